"""Paclitaxel and IMP321 entry rules, through the services the browser and API share."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dosing import constants as msg
from dosing import rules, services
from dosing.models import Imp321Injection, PaclitaxelAdministration
from dosing.selectors import exposure_for_patient
from edc.audit.exceptions import ReasonRequired, StaleVersion

TODAY = dt.date.today()


def at(day: dt.date, hour: int = 10):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def test_bsa_and_planned_dose_are_computed_and_stored_at_entry(on_treatment, give_paclitaxel):
    patient = on_treatment()
    dose = give_paclitaxel(patient, "PAC-C1D1")
    assert (dose.bsa_m2, dose.planned_dose_mg) == (Decimal("1.82"), Decimal("145.6"))
    assert dose.cycle == 1 and dose.day == 1
    assert patient.calendar.get(code="PAC-C1D1").actual_date == dose.administration_date
    assert dose.history.first().history_user.username == "inv_fr01"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("weight_kg", Decimal("29.9"), msg.WEIGHT_OUT_OF_RANGE.format(low=30, high=250)),
        ("weight_kg", Decimal("250.1"), msg.WEIGHT_OUT_OF_RANGE.format(low=30, high=250)),
        ("height_cm", Decimal("119"), msg.HEIGHT_OUT_OF_RANGE.format(low=120, high=220)),
        ("height_cm", Decimal("221"), msg.HEIGHT_OUT_OF_RANGE.format(low=120, high=220)),
    ],
)
def test_impossible_body_measurements_are_refused_and_nothing_saved(
    on_treatment, give_paclitaxel, field, value, message
):
    patient = on_treatment()
    with pytest.raises(ValidationError) as exc:
        give_paclitaxel(patient, "PAC-C1D1", **{field: value})
    assert exc.value.message_dict[field] == [message]
    assert not PaclitaxelAdministration.objects.exists()
    assert patient.calendar.get(code="PAC-C1D1").actual_date is None


def test_limits_themselves_are_accepted(on_treatment, give_paclitaxel):
    patient = on_treatment()
    dose = give_paclitaxel(
        patient,
        "PAC-C1D1",
        weight_kg=Decimal("30"),
        height_cm=Decimal("220"),
        actual_dose_mg=Decimal("108.0"),
    )
    assert (dose.bsa_m2, dose.planned_dose_mg) == (Decimal("1.35"), Decimal("108.0"))


def test_a_dose_above_one_and_a_half_times_planned_is_refused(on_treatment, give_paclitaxel):
    patient = on_treatment()
    with pytest.raises(ValidationError) as exc:
        give_paclitaxel(patient, "PAC-C1D1", actual_dose_mg=Decimal("218.5"))
    assert "more than 1.5" in exc.value.message_dict["actual_dose_mg"][0]
    # 1.5 × planned is accepted once the "off plan" warning is confirmed (and is a deviation).
    dose = give_paclitaxel(
        patient,
        "PAC-C1D1",
        actual_dose_mg=Decimal("218.4"),
        acknowledge_warnings=[rules.WARN_DOSE_OFF_PLAN],
    )
    assert dose.actual_dose_mg == Decimal("218.4")
    assert dose.warnings_acknowledged.startswith("Dose more than 10 % away")


def test_a_reduced_dose_level_needs_a_reason(on_treatment, give_paclitaxel):
    patient = on_treatment()
    with pytest.raises(ValidationError) as exc:
        give_paclitaxel(patient, "PAC-C1D1", dose_level_mg_m2=Decimal("70"))
    assert "reduction" in exc.value.message_dict["reduction_reason"][0]
    dose = give_paclitaxel(
        patient,
        "PAC-C1D1",
        dose_level_mg_m2=Decimal("70"),
        reduction_reason="Grade 2 neuropathy",
        actual_dose_mg=Decimal("127.4"),
    )
    assert dose.planned_dose_mg == Decimal("127.4")


def test_a_dose_level_outside_the_protocol_is_refused(on_treatment, give_paclitaxel):
    with pytest.raises(ValidationError) as exc:
        give_paclitaxel(
            on_treatment(), "PAC-C1D1", dose_level_mg_m2=Decimal("75"), reduction_reason="x"
        )
    assert "not a protocol dose level" in exc.value.message_dict["dose_level_mg_m2"][0]


def test_a_held_dose_needs_a_reason_and_marks_the_event_not_done(on_treatment, give_paclitaxel):
    patient = on_treatment()
    with pytest.raises(ValidationError) as exc:
        give_paclitaxel(patient, "PAC-C1D8", status="held", actual_dose_mg=None)
    assert exc.value.message_dict == {"status_reason": [msg.STATUS_REASON_REQUIRED]}
    give_paclitaxel(
        patient, "PAC-C1D8", status="held", actual_dose_mg=None, status_reason="ANC 0.8"
    )
    event = patient.calendar.get(code="PAC-C1D8")
    assert event.actual_date is None and "ANC 0.8" in event.not_done_reason


def test_a_second_dose_for_the_same_planned_day_is_refused(on_treatment, give_paclitaxel):
    patient = on_treatment()
    give_paclitaxel(patient, "PAC-C1D1")
    with pytest.raises(ValidationError) as exc:
        give_paclitaxel(patient, "PAC-C1D1")
    assert "already been recorded" in exc.value.messages[0]
    assert PaclitaxelAdministration.objects.count() == 1


@pytest.mark.parametrize("offset", [-1, 1])
def test_dates_before_c1d1_or_in_the_future_are_refused(on_treatment, give_paclitaxel, offset):
    patient = on_treatment(days=0 if offset == 1 else 5)
    bad = patient.c1d1_date - dt.timedelta(days=1) if offset == -1 else TODAY + dt.timedelta(1)
    with pytest.raises(ValidationError) as exc:
        give_paclitaxel(patient, "PAC-C1D1", on=bad)
    assert "administration_date" in exc.value.message_dict


def test_editing_a_dose_needs_a_reason_and_the_current_version(
    on_treatment, give_paclitaxel, investigator, coordinator
):
    patient = on_treatment()
    dose = give_paclitaxel(patient, "PAC-C1D1")
    with pytest.raises(ReasonRequired):
        services.paclitaxel_update(
            user=investigator,
            record=dose,
            data={"weight_kg": Decimal("72")},
            reason="",
            expected_version=1,
        )
    updated = services.paclitaxel_update(
        user=investigator,
        record=dose,
        data={"weight_kg": Decimal("72")},
        reason="Weighed again",
        expected_version=1,
    )
    assert updated.bsa_m2 == Decimal("1.84") and updated.planned_dose_mg == Decimal("147.2")
    with pytest.raises(StaleVersion):
        services.paclitaxel_update(
            user=coordinator,
            record=dose,
            data={"weight_kg": Decimal("71")},
            reason="Typo",
            expected_version=1,
        )


def test_imp321_dose_defaults_to_the_cohort_and_another_dose_needs_a_reason(
    on_treatment, give_paclitaxel, investigator
):
    patient = on_treatment()
    pac = give_paclitaxel(patient, "PAC-C1D1")
    event = patient.calendar.get(code="IMP-C1D2")
    assert event.planned_date == pac.administration_date + dt.timedelta(days=1)
    data = {
        "injected_at": at(event.planned_date),
        "status": "given",
        "dose_mg": Decimal("0.3"),
        "local_reaction": "none",
    }
    with pytest.raises(ValidationError) as exc:
        services.imp321_record(user=investigator, patient=patient, event_code="IMP-C1D2", data=data)
    assert exc.value.message_dict["dose_reason"] == [
        msg.DOSE_REASON_REQUIRED.format(dose=Decimal("0.25"))
    ]
    assert [w.code for w in exc.value.warnings] == [rules.WARN_DOSE_OFF_PLAN]
    injection = services.imp321_record(
        user=investigator,
        patient=patient,
        event_code="IMP-C1D2",
        data=data | {"dose_mg": Decimal("0.25"), "kit_number": "K-001"},
    )
    assert injection.follows == pac and injection.injection_number == 1
    assert patient.calendar.get(code="IMP-C1D2").actual_date == event.planned_date


def test_imp321_without_paclitaxel_the_day_before_needs_confirmation(
    on_treatment, give_paclitaxel, investigator
):
    patient = on_treatment()
    give_paclitaxel(patient, "PAC-C1D1")
    c1d1 = patient.c1d1_date
    data = {
        "injected_at": at(c1d1 + dt.timedelta(days=3)),
        "status": "given",
        "dose_mg": Decimal("0.25"),
        "local_reaction": "none",
    }
    with pytest.raises(ValidationError) as exc:
        services.imp321_record(user=investigator, patient=patient, event_code="IMP-C1D2", data=data)
    assert "no_preceding_dose_reason" in exc.value.message_dict
    assert [w.code for w in exc.value.warnings] == [rules.WARN_NOT_DAY_AFTER_PACLITAXEL]
    injection = services.imp321_record(
        user=investigator,
        patient=patient,
        event_code="IMP-C1D2",
        data=data
        | {
            "no_preceding_dose_reason": "Patient arrived late, PI approved",
            "acknowledge_warnings": [rules.WARN_NOT_DAY_AFTER_PACLITAXEL],
        },
    )
    assert injection.no_preceding_dose_reason.startswith("Patient arrived late")
    assert "3 days after" in injection.warnings_acknowledged


def test_imp321_two_days_after_paclitaxel_is_within_tolerance(
    on_treatment, give_paclitaxel, investigator
):
    patient = on_treatment()
    give_paclitaxel(patient, "PAC-C1D1")
    services.imp321_record(
        user=investigator,
        patient=patient,
        event_code="IMP-C1D2",
        data={
            "injected_at": at(patient.c1d1_date + dt.timedelta(days=2)),
            "status": "given",
            "dose_mg": Decimal("0.25"),
            "local_reaction": "none",
        },
    )
    assert Imp321Injection.objects.count() == 1


def test_exposure_counts_doses_cumulative_dose_and_intensity(
    on_treatment, give_paclitaxel, investigator
):
    patient = on_treatment()
    give_paclitaxel(patient, "PAC-C1D1")
    give_paclitaxel(
        patient,
        "PAC-C1D8",
        dose_level_mg_m2=Decimal("70"),
        reduction_reason="Neutropenia grade 2",
        actual_dose_mg=Decimal("127.4"),
    )
    give_paclitaxel(
        patient, "PAC-C1D15", status="held", actual_dose_mg=None, status_reason="ANC low"
    )
    services.imp321_record(
        user=investigator,
        patient=patient,
        event_code="IMP-C1D2",
        data={
            "injected_at": at(patient.c1d1_date + dt.timedelta(days=1)),
            "status": "given",
            "dose_mg": Decimal("0.25"),
            "local_reaction": "none",
        },
    )
    exposure = exposure_for_patient(patient=patient)
    assert (exposure.doses_given, exposure.doses_held) == (2, 1)
    assert exposure.cumulative_mg == Decimal("273.0")
    assert exposure.cumulative_mg_m2 == Decimal("150.0")
    assert exposure.rdi_by_cycle[1] == Decimal("0.625")  # 150 / 240 mg/m²
    assert (exposure.imp321_given, exposure.imp321_planned) == (1, 12)


def test_no_dose_after_consent_withdrawal(on_treatment, give_paclitaxel, investigator):
    from patients import services as patient_services

    patient = on_treatment(days=20)
    patient_services.patient_end_study(
        user=investigator,
        patient=patient,
        end_date=patient.c1d1_date + dt.timedelta(days=3),
        reason_code="withdrawal",
    )
    patient.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        give_paclitaxel(patient, "PAC-C1D8")
    assert "withdrawal of consent" in exc.value.message_dict["administration_date"][0]


@pytest.mark.parametrize(
    ("anc", "platelets", "held"),
    [("1.5", "100", False), ("1.49", "100", True), ("1.5", "99", True)],
)
def test_d1_hold_criteria_from_haematology_within_three_days(
    on_treatment, give_paclitaxel, blood_counts, anc, platelets, held
):
    patient = on_treatment()
    blood_counts(patient, on=patient.c1d1_date - dt.timedelta(days=3), anc=anc, platelets=platelets)
    if held:
        with pytest.raises(ValidationError) as exc:
            give_paclitaxel(patient, "PAC-C1D1")
        assert "Hold criteria are met" in exc.value.message_dict["hold_override_confirmed"][0]
        dose = give_paclitaxel(patient, "PAC-C1D1", hold_override_confirmed=True)
    else:
        dose = give_paclitaxel(patient, "PAC-C1D1")
    assert dose.hold_criteria_met is held
    assert dose.anc_at_check == Decimal(anc)


def test_haematology_four_days_old_does_not_count_for_the_hold_check(
    on_treatment, give_paclitaxel, blood_counts
):
    patient = on_treatment()
    blood_counts(patient, on=patient.c1d1_date - dt.timedelta(days=4), anc="0.5", platelets="50")
    dose = give_paclitaxel(patient, "PAC-C1D1")
    assert dose.hold_criteria_met is None and dose.anc_at_check is None


def test_d8_uses_the_lower_thresholds(on_treatment, give_paclitaxel, blood_counts):
    patient = on_treatment()
    give_paclitaxel(patient, "PAC-C1D1")
    d8 = patient.calendar.get(code="PAC-C1D8").planned_date
    blood_counts(patient, on=d8, anc="1.0", platelets="75")
    assert give_paclitaxel(patient, "PAC-C1D8").hold_criteria_met is False
