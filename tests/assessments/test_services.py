"""Tumour assessments, AEs and vital signs through the one write path (services)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from assessments import constants as msg
from assessments import selectors, services
from assessments.constants import AssessmentKind, NewLesion, Organ, ResponseChoice
from assessments.models import AdverseEvent, TargetLesion, TumourAssessment, VitalSigns
from edc.audit.exceptions import REASON_REQUIRED, StaleVersion
from patients import services as patient_services
from patients.constants import AFTER_WITHDRAWAL
from patients.models import CalendarEvent

from .conftest import STANDARD_TARGETS, ae_values, non_target, scaled, target, vitals_values

D = Decimal


def errors_of(exc) -> dict:
    return exc.value.message_dict


# --- Baseline ------------------------------------------------------------------------------------
def test_baseline_stores_lesions_sum_and_the_calendar_date(patient, make_baseline):
    baseline = make_baseline(patient, non_targets=[non_target("NT1", Organ.BONE)])
    assert baseline.kind == AssessmentKind.BASELINE
    assert baseline.computed_sum_mm == D("70")
    assert [(t.label, t.is_node) for t in baseline.target_lesions.order_by("label")] == [
        ("T1", False),
        ("T2", False),
        ("T3", True),
    ]
    assert baseline.non_target_lesions.count() == 1
    assert baseline.calendar_code == "TUM-BL"
    event = CalendarEvent.objects.get(patient=patient, code="TUM-BL")
    assert event.actual_date == baseline.assessment_date
    assert baseline.history.first().history_change_reason == "Initial entry"


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        (
            [
                target(f"T{n}", organ, "20")
                for n, organ in enumerate(
                    [Organ.LIVER, Organ.LIVER, Organ.LUNG, Organ.LUNG, Organ.BREAST, Organ.SKIN], 1
                )
            ],
            msg.TOO_MANY_TARGETS,
        ),
        (
            [target(f"T{n}", Organ.LIVER, "20") for n in (1, 2, 3)],
            msg.TOO_MANY_TARGETS_IN_ORGAN.format(organ="Liver"),
        ),
        (
            [target("T1", Organ.LYMPH_NODE, "14")],
            msg.NODE_TARGET_TOO_SMALL.format(label="T1", diameter=D("14")),
        ),
        (
            [target("T1", Organ.LUNG, "9")],
            msg.TARGET_NOT_MEASURABLE.format(label="T1", diameter=D("9")),
        ),
    ],
    ids=["sixth-target", "third-in-organ", "small-node", "small-lesion"],
)
def test_baseline_refuses_what_recist_forbids(patient, make_baseline, targets, message):
    with pytest.raises(ValidationError) as exc:
        make_baseline(patient, targets=targets)
    assert message in errors_of(exc)["target_lesions"]
    assert not TumourAssessment.objects.filter(patient=patient).exists()


def test_baseline_outside_the_28_days_before_c1d1_is_refused(enrolled, make_baseline):
    patient = enrolled(c1d1_days_ago=10)
    with pytest.raises(ValidationError) as exc:
        make_baseline(patient, days_before_c1d1=-1)
    assert errors_of(exc)["assessment_date"] == [
        msg.BASELINE_OUTSIDE_WINDOW.format(c1d1=patient.c1d1_date)
    ]


def test_a_second_baseline_is_refused(patient, make_baseline):
    make_baseline(patient)
    with pytest.raises(ValidationError) as exc:
        make_baseline(patient, days_before_c1d1=2)
    assert errors_of(exc)["__all__"] == [msg.BASELINE_EXISTS]


def test_a_follow_up_needs_a_baseline(patient, make_followup):
    with pytest.raises(ValidationError) as exc:
        services.tumour_followup_create(
            user=None,
            patient=patient,
            assessment_date=patient.c1d1_date + dt.timedelta(days=56),
            method="ct",
            measurements=[],
            new_lesion="none",
        )
    assert errors_of(exc)["__all__"] == [msg.BASELINE_MISSING]


def test_tumour_assessments_need_an_enrolled_patient(screened, make_baseline, investigator):
    patient = screened()
    with pytest.raises(ValidationError) as exc:
        services.tumour_baseline_create(
            user=investigator,
            patient=patient,
            assessment_date=patient.screening_date,
            method="ct",
            target_lesions=list(STANDARD_TARGETS),
        )
    assert errors_of(exc)["__all__"] == [msg.NOT_ENROLLED]


# --- Follow-up and the computed response ---------------------------------------------------------
def test_follow_up_stores_the_computed_recist_response_and_records_tum_w8(
    patient, make_baseline, make_followup
):
    baseline = make_baseline(patient)
    followup = make_followup(patient, baseline, factor="0.7")  # 70 → 49 mm: -30 % = PR
    assert followup.computed_sum_mm == D("49")
    assert followup.computed_target_response == ResponseChoice.PR
    assert followup.computed_overall_response == ResponseChoice.PR
    assert not followup.response_disagrees
    assert followup.calendar_code == "TUM-W8"
    event = CalendarEvent.objects.get(patient=patient, code="TUM-W8")
    assert event.actual_date == followup.assessment_date


def test_just_under_30_percent_is_stable_disease(patient, make_baseline, make_followup):
    baseline = make_baseline(patient)
    measurements = [
        services.MeasurementInput(lesion_id=t.pk, diameter_mm=mm)
        for t, mm in zip(
            baseline.target_lesions.order_by("label"), (D("21"), D("14"), D("14.1")), strict=True
        )
    ]
    followup = make_followup(patient, baseline, measurements=measurements)
    assert followup.computed_overall_response == ResponseChoice.SD  # 49.1 mm = -29.86 %


def test_investigator_disagreeing_with_the_computation_is_flagged_for_monitors(
    patient, make_baseline, make_followup, investigator, monitor, other_investigator
):
    baseline = make_baseline(patient)
    agreed = make_followup(patient, baseline, factor="0.6", investigator_response="PR")
    assert not agreed.response_disagrees
    differs = make_followup(
        patient, baseline, day=113, factor="0.6", investigator_response=ResponseChoice.CR
    )
    assert differs.computed_overall_response == ResponseChoice.PR
    assert differs.investigator_response == ResponseChoice.CR
    assert differs.response_disagrees
    assert list(selectors.recist_disagreements(monitor)) == [differs]
    assert list(selectors.recist_disagreements(other_investigator)) == []


def test_new_lesion_is_progression_whatever_the_sum(patient, make_baseline, make_followup):
    baseline = make_baseline(patient)
    followup = make_followup(patient, baseline, factor="0.5", new_lesion=NewLesion.UNEQUIVOCAL)
    assert followup.computed_target_response == ResponseChoice.PR
    assert followup.computed_overall_response == ResponseChoice.PD


def test_too_small_counts_5_mm_and_not_evaluable_makes_the_timepoint_ne(
    patient, make_baseline, make_followup
):
    baseline = make_baseline(patient)
    t1, t2, t3 = baseline.target_lesions.order_by("label")
    followup = make_followup(
        patient,
        baseline,
        measurements=[
            services.MeasurementInput(lesion_id=t1.pk, diameter_mm=D("20")),
            services.MeasurementInput(lesion_id=t2.pk, too_small=True),
            services.MeasurementInput(lesion_id=t3.pk, diameter_mm=D("15")),
        ],
    )
    assert followup.computed_sum_mm == D("40")
    ne = make_followup(
        patient,
        baseline,
        day=113,
        measurements=[
            services.MeasurementInput(lesion_id=t1.pk, diameter_mm=D("20")),
            services.MeasurementInput(lesion_id=t2.pk, not_evaluable=True),
            services.MeasurementInput(lesion_id=t3.pk, diameter_mm=D("15")),
        ],
    )
    assert ne.computed_sum_mm is None
    assert ne.computed_overall_response == ResponseChoice.NE


def test_every_baseline_target_must_be_re_measured(patient, make_baseline, make_followup):
    baseline = make_baseline(patient)
    first = baseline.target_lesions.order_by("label").first()
    with pytest.raises(ValidationError) as exc:
        make_followup(
            patient,
            baseline,
            measurements=[services.MeasurementInput(lesion_id=first.pk, diameter_mm=D("10"))],
        )
    assert msg.MEASUREMENT_MISSING.format(label="T2") in errors_of(exc)["measurements"]


def test_an_unscheduled_scan_far_from_the_plan_does_not_take_a_calendar_event(
    patient, make_baseline, make_followup
):
    baseline = make_baseline(patient)
    unscheduled = make_followup(patient, baseline, day=20, factor="0.9")
    assert unscheduled.calendar_code == ""
    assert CalendarEvent.objects.get(patient=patient, code="TUM-W8").actual_date is None


def test_follow_up_after_withdrawal_of_consent_is_refused(
    patient, make_baseline, make_followup, investigator
):
    baseline = make_baseline(patient)
    withdrawn_on = patient.c1d1_date + dt.timedelta(days=30)
    patient = patient_services.patient_end_study(
        user=investigator, patient=patient, end_date=withdrawn_on, reason_code="withdrawal"
    )
    with pytest.raises(ValidationError) as exc:
        make_followup(patient, baseline)
    assert errors_of(exc)["assessment_date"] == [AFTER_WITHDRAWAL.format(date=withdrawn_on)]


# --- Corrections ---------------------------------------------------------------------------------
def test_correcting_the_baseline_recomputes_the_stored_follow_up_response_with_audit(
    patient, make_baseline, make_followup, coordinator
):
    baseline = make_baseline(patient)
    followup = make_followup(patient, baseline, factor="0.7")  # PR against 70 mm
    inputs = [
        services.TargetLesionInput(
            id=t.pk,
            label=t.label,
            organ=t.organ,
            location=t.location,
            diameter_mm=t.diameter_mm - (D("5") if t.label == "T1" else D("0")),
        )
        for t in baseline.target_lesions.all()
    ]
    services.tumour_baseline_update(
        user=coordinator,
        assessment=baseline,
        assessment_date=baseline.assessment_date,
        method=baseline.method,
        target_lesions=inputs,
        reason="T1 re-read on the source CT: 25 mm",
        expected_version=baseline.version,
    )
    followup.refresh_from_db()
    assert followup.computed_overall_response == ResponseChoice.SD  # 49 vs 65 mm = -24.6 %
    assert followup.version == 2
    last = followup.history.first()
    assert last.history_change_reason.startswith("RECIST recomputed after a baseline correction")
    assert last.history_user == coordinator


def test_a_measured_lesion_cannot_be_removed_from_the_baseline(
    patient, make_baseline, make_followup, investigator
):
    baseline = make_baseline(patient)
    make_followup(patient, baseline)
    kept = [
        services.TargetLesionInput(id=t.pk, label=t.label, organ=t.organ, diameter_mm=t.diameter_mm)
        for t in baseline.target_lesions.order_by("label")[:2]
    ]
    with pytest.raises(ValidationError) as exc:
        services.tumour_baseline_update(
            user=investigator,
            assessment=baseline,
            assessment_date=baseline.assessment_date,
            method=baseline.method,
            target_lesions=kept,
            reason="Wrong lesion",
            expected_version=baseline.version,
        )
    assert errors_of(exc)["target_lesions"] == [msg.LESION_HAS_MEASUREMENTS.format(label="T3")]


def test_follow_up_correction_needs_a_reason_and_the_current_version(
    patient, make_baseline, make_followup, investigator, coordinator
):
    baseline = make_baseline(patient)
    followup = make_followup(patient, baseline, factor="0.6")
    kwargs = {
        "assessment": followup,
        "assessment_date": followup.assessment_date,
        "method": followup.method,
        "measurements": scaled(baseline, "0.65"),
        "new_lesion": "none",
    }
    with pytest.raises(ValidationError) as exc:
        services.tumour_followup_update(user=investigator, reason="", expected_version=1, **kwargs)
    assert errors_of(exc)["reason"] == [REASON_REQUIRED]
    services.tumour_followup_update(
        user=coordinator, reason="Re-measured T1", expected_version=1, **kwargs
    )
    with pytest.raises(StaleVersion) as stale:
        services.tumour_followup_update(
            user=investigator, reason="My correction", expected_version=1, **kwargs
        )
    assert stale.value.current_version == 2


def test_re_dating_a_follow_up_moves_its_calendar_event(
    patient, make_baseline, make_followup, investigator
):
    baseline = make_baseline(patient)
    followup = make_followup(patient, baseline, day=57)
    new_date = followup.assessment_date + dt.timedelta(days=2)
    services.tumour_followup_update(
        user=investigator,
        assessment=followup,
        assessment_date=new_date,
        method=followup.method,
        measurements=scaled(baseline, "0.6"),
        reason="Scan date typo",
        expected_version=followup.version,
        new_lesion="none",
    )
    assert CalendarEvent.objects.get(patient=patient, code="TUM-W8").actual_date == new_date


# --- Adverse events ------------------------------------------------------------------------------
def test_ae_stores_the_ctcae_term_for_the_meddra_code(patient, make_ae):
    ae = make_ae(patient)
    assert (ae.meddra_code, ae.term, ae.grade) == ("10029366", "Neutrophil count decreased", 3)
    assert not ae.serious and not ae.reported_late


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"stop_date_offset": -1}, "stop_date", msg.STOP_BEFORE_START),
        (
            {"meddra_code": "10035742", "grade": 5, "outcome": "fatal", "serious": True},
            "death_date",
            msg.FATAL_NEEDS_DEATH_DATE,
        ),
        (
            {"serious": True, "sae_criteria": ["hospitalisation"]},
            "sae_aware_at",
            msg.SAE_AWARENESS_REQUIRED,
        ),
        (
            {"grade": 5},
            "grade",
            msg.GRADE_NOT_DEFINED.format(
                grade=5, term="Neutrophil count decreased", grades="1, 2, 3, 4"
            ),
        ),
        (
            {"meddra_code": "12345678"},
            "meddra_code",
            msg.UNKNOWN_CTCAE_TERM.format(code="12345678"),
        ),
    ],
    ids=[
        "stop-before-start",
        "grade5-no-death-date",
        "sae-no-awareness",
        "grade-undefined",
        "unknown-term",
    ],
)
def test_ae_rules_refuse_inconsistent_events(patient, investigator, overrides, field, message):
    overrides = dict(overrides)
    values = ae_values(patient)
    if overrides.pop("stop_date_offset", None):
        values["stop_date"] = values["start_date"] - dt.timedelta(days=1)
    values |= overrides
    with pytest.raises(ValidationError) as exc:
        services.adverse_event_create(user=investigator, patient=patient, **values)
    assert message in errors_of(exc)[field]
    assert not AdverseEvent.objects.exists()


def test_the_database_refuses_an_ae_stopping_before_it_started(patient, make_ae):
    ae = make_ae(patient)
    ae.stop_date = ae.start_date - dt.timedelta(days=1)
    ae._change_reason = "bypassing the service"
    with pytest.raises(IntegrityError), transaction.atomic():
        ae.save()


def test_sae_reported_after_24_hours_is_accepted_but_flagged(patient, make_ae):
    start = patient.c1d1_date + dt.timedelta(days=10)
    aware = timezone.make_aware(dt.datetime.combine(start, dt.time(8, 0)))
    on_time = make_ae(
        patient,
        meddra_code="10016288",  # Febrile neutropenia
        serious=True,
        sae_criteria=["hospitalisation"],
        sae_aware_at=aware,
        sae_reported_at=aware + dt.timedelta(hours=23),
    )
    late = make_ae(
        patient,
        meddra_code="10016288",
        serious=True,
        sae_criteria=["hospitalisation", "life_threatening"],
        sae_aware_at=aware,
        sae_reported_at=aware + dt.timedelta(hours=30),
    )
    assert not on_time.reported_late
    assert late.reported_late
    assert late.sae_criteria == ["life_threatening", "hospitalisation"]


def test_a_fatal_event_records_the_death(patient, make_ae):
    death = patient.c1d1_date + dt.timedelta(days=20)
    ae = make_ae(
        patient,
        meddra_code="10035742",  # Pneumonitis (grade 5 exists)
        grade=5,
        outcome="fatal",
        stop_date=death,
        death_date=death,
        serious=True,
        sae_criteria=["death"],
        sae_aware_at=timezone.make_aware(dt.datetime.combine(death, dt.time(9, 0))),
        sae_reported_at=timezone.make_aware(dt.datetime.combine(death, dt.time(12, 0))),
    )
    assert ae.death_date == death


def test_ae_update_keeps_history_and_refuses_a_stale_version(patient, make_ae, investigator):
    ae = make_ae(patient, stop_date=None, outcome="not_recovered")
    stop = ae.start_date + dt.timedelta(days=5)
    updated = services.adverse_event_update(
        user=investigator,
        adverse_event=ae,
        changes={"stop_date": stop, "outcome": "recovered"},
        reason="Event resolved",
        expected_version=1,
    )
    assert (updated.version, updated.stop_date) == (2, stop)
    assert updated.history.first().history_change_reason == "Event resolved"
    with pytest.raises(StaleVersion):
        services.adverse_event_update(
            user=investigator,
            adverse_event=ae,
            changes={"grade": 4},
            reason="Worse",
            expected_version=1,
        )


# --- Vital signs ---------------------------------------------------------------------------------
def test_vital_signs_are_saved(patient, investigator):
    vitals = services.vital_signs_create(
        user=investigator, patient=patient, **vitals_values(patient)
    )
    assert (vitals.weight_kg, vitals.ecog) == (D("64.5"), 0)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"weight_kg": D("29")}, "weight_kg"),
        ({"weight_kg": D("251")}, "weight_kg"),
        ({"systolic_bp": 59}, "systolic_bp"),
        ({"systolic_bp": 261}, "systolic_bp"),
        ({"diastolic_bp": 29}, "diastolic_bp"),
        ({"diastolic_bp": 130, "systolic_bp": 120}, "diastolic_bp"),
        ({"heart_rate": 29}, "heart_rate"),
        ({"heart_rate": 221}, "heart_rate"),
        ({"temperature_c": D("32.9")}, "temperature_c"),
        ({"temperature_c": D("43.1")}, "temperature_c"),
        ({"ecog": 5}, "ecog"),
    ],
)
def test_vital_signs_outside_physiological_limits_are_refused(
    patient, investigator, overrides, field
):
    with pytest.raises(ValidationError) as exc:
        services.vital_signs_create(
            user=investigator, patient=patient, **vitals_values(patient, **overrides)
        )
    assert field in errors_of(exc)
    assert not VitalSigns.objects.exists()


def test_one_vital_signs_record_per_scheduled_visit(patient, investigator):
    services.vital_signs_create(user=investigator, patient=patient, **vitals_values(patient))
    with pytest.raises(ValidationError) as exc:
        services.vital_signs_create(user=investigator, patient=patient, **vitals_values(patient))
    assert errors_of(exc)["visit"] == [msg.VISIT_ALREADY_RECORDED.format(visit="Cycle 1 day 1")]
    services.vital_signs_create(
        user=investigator, patient=patient, **vitals_values(patient, visit="UNS")
    )
    services.vital_signs_create(
        user=investigator, patient=patient, **vitals_values(patient, visit="UNS")
    )


def test_lesion_rows_are_audited_models(patient, make_baseline):
    make_baseline(patient)
    lesion = TargetLesion.objects.first()
    assert lesion.history.count() == 1
    assert lesion.patient == patient


def test_baseline_correction_adds_and_removes_unmeasured_lesions(
    patient, make_baseline, investigator
):
    baseline = make_baseline(patient)
    t1, t2, _t3 = baseline.target_lesions.order_by("label")
    inputs = [
        services.TargetLesionInput(id=t1.pk, label="T1", organ=t1.organ, diameter_mm=D("30")),
        services.TargetLesionInput(id=t2.pk, label="T2", organ=t2.organ, diameter_mm=D("20")),
        target("T4", Organ.LIVER, "12", location="segment II"),
    ]
    updated = services.tumour_baseline_update(
        user=investigator,
        assessment=baseline,
        assessment_date=baseline.assessment_date,
        method=baseline.method,
        target_lesions=inputs,
        non_target_lesions=[non_target("NT1", Organ.PLEURA)],
        reason="T3 was a reactive node; T4 missed on first read",
        expected_version=1,
    )
    assert updated.version == 2
    assert updated.computed_sum_mm == D("62")
    assert sorted(updated.target_lesions.values_list("label", flat=True)) == ["T1", "T2", "T4"]
    assert updated.non_target_lesions.count() == 1
    removed = TargetLesion.history.filter(label="T3", history_type="-").get()
    assert removed.history_change_reason == "T3 was a reactive node; T4 missed on first read"


def test_endpoints_count_confirmed_responders_and_progressors_by_6_months(
    enrolled, make_baseline, make_followup, statistician
):
    responder = enrolled(c1d1_days_ago=130)
    baseline = make_baseline(responder)
    make_followup(responder, baseline, day=57, factor="0.6")
    make_followup(responder, baseline, day=113, factor="0.5")  # PR confirmed 56 days later
    progressor = enrolled(c1d1_days_ago=130)
    baseline = make_baseline(progressor)
    make_followup(progressor, baseline, day=57, factor="0.9")
    make_followup(progressor, baseline, day=113, factor="1.2")  # +33 % vs nadir: PD
    not_assessed = enrolled(c1d1_days_ago=130)
    make_baseline(not_assessed)

    result = selectors.trial_endpoints(statistician)
    overall = result.groups[-1]
    assert overall.patients == 3
    assert overall.objective_response.numerator == 1
    assert overall.progressed_by_landmark.numerator == 1
    assert overall.clinical_benefit.numerator == 2
    bors = {c.patient.pk: c.result.best.response for c in result.courses}
    assert bors == {responder.pk: "PR", progressor.pk: "SD", not_assessed.pk: "NE"}
