"""Every deviation rule: positive, negative and boundary cases, through the real sweep."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from dosing import services as dosing
from edc.deviations.constants import DeviationStatus
from edc.deviations.models import Deviation
from edc.deviations.services import deviations_sweep
from patients import calendar
from patients import services as patient_services

TODAY = dt.date.today()


def found(rule: str) -> set[str]:
    deviations_sweep()
    return set(
        Deviation.objects.filter(rule=rule)
        .exclude(status=DeviationStatus.WITHDRAWN)
        .values_list("subject_key", flat=True)
    )


def at(day: dt.date):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def test_missed_visit_only_after_the_window_closes_without_data(enrolled, investigator):
    patient = enrolled(c1d1_days_ago=8)  # today = study day 9 = last day of D8's window
    assert "PAC-C1D8" not in found("missed_visit")
    assert "PAC-C1D1" in found("missed_visit")
    patient2 = enrolled(c1d1_days_ago=9)  # study day 10: D8's window closed yesterday
    deviations_sweep()
    assert Deviation.objects.filter(
        patient=patient2, rule="missed_visit", subject_key="PAC-C1D8"
    ).exists()
    assert not Deviation.objects.filter(patient=patient, subject_key="PAC-C1D8").exists()


def test_a_documented_not_done_event_is_not_a_missed_visit(enrolled, investigator):
    patient = enrolled(c1d1_days_ago=12)
    calendar.calendar_mark_not_done(
        event=patient.calendar.get(code="PAC-C1D8"), reason="Hospitalised", user=investigator
    )
    assert "PAC-C1D8" not in found("missed_visit")


def test_correcting_data_withdraws_the_deviation_without_deleting_it(
    enrolled, investigator, give_paclitaxel
):
    patient = enrolled(c1d1_days_ago=12)
    assert "PAC-C1D1" in found("missed_visit")
    give_paclitaxel(patient, "PAC-C1D1")
    deviations_sweep()
    deviation = Deviation.objects.get(patient=patient, rule="missed_visit", subject_key="PAC-C1D1")
    assert deviation.status == DeviationStatus.WITHDRAWN
    assert "data corrected" in deviation.status_comment
    assert deviation.history.count() == 2
    # The next sweeps leave the withdrawn deviation as it is (the finding is still gone).
    assert deviations_sweep().reopened == 0
    deviation.refresh_from_db()
    assert deviation.status == DeviationStatus.WITHDRAWN
    assert deviation.history.count() == 2


@pytest.mark.parametrize(("offset", "out"), [(7, False), (8, True), (-1, False), (-2, True)])
def test_cycle_day1_out_of_window_edges(enrolled, give_paclitaxel, offset, out):
    patient = enrolled(c1d1_days_ago=50)
    give_paclitaxel(patient, "PAC-C1D1")
    planned = patient.calendar.get(code="PAC-C2D1").planned_date
    # Outside the window the entry asks for a confirmation, then the deviation is raised.
    confirmed = ["date_outside_window"] if out else []
    give_paclitaxel(
        patient,
        "PAC-C2D1",
        on=planned + dt.timedelta(days=offset),
        acknowledge_warnings=confirmed,
    )
    assert ("PAC-C2D1" in found("visit_out_of_window")) is out


@pytest.mark.parametrize(
    ("actual", "off"), [("160.1", False), ("160.2", True), ("131.1", False), ("131.0", True)]
)
def test_paclitaxel_dose_off_plan_beyond_ten_percent(enrolled, give_paclitaxel, actual, off):
    patient = enrolled(c1d1_days_ago=5)
    give_paclitaxel(  # planned 145.6 mg; off plan, the entry asks for a confirmation first
        patient,
        "PAC-C1D1",
        actual_dose_mg=Decimal(actual),
        acknowledge_warnings=["dose_off_plan"] if off else [],
    )
    assert ("PAC-C1D1" in found("paclitaxel_dose_off_plan")) is off


def test_imp321_dose_other_than_cohort_and_timing_rules(enrolled, give_paclitaxel, investigator):
    patient = enrolled(c1d1_days_ago=20)
    give_paclitaxel(patient, "PAC-C1D1")
    give_paclitaxel(patient, "PAC-C1D15")
    dosing.imp321_record(
        user=investigator,
        patient=patient,
        event_code="IMP-C1D2",
        data={
            "local_reaction": "none",
            "injected_at": at(patient.c1d1_date + dt.timedelta(days=1)),
            "status": "given",
            # Above 1.5 × the cohort dose (0.375 mg) would be refused outright.
            "dose_mg": Decimal("0.3"),
            "dose_reason": "Wrong kit",
            "acknowledge_warnings": ["dose_off_plan"],
        },
    )
    c1d15 = patient.calendar.get(code="PAC-C1D15").actual_date
    dosing.imp321_record(
        user=investigator,
        patient=patient,
        event_code="IMP-C1D16",
        data={
            "local_reaction": "none",
            "injected_at": at(c1d15 + dt.timedelta(days=3)),
            "status": "given",
            "dose_mg": Decimal("0.25"),
            "no_preceding_dose_reason": "Bank holiday",
            "acknowledge_warnings": ["not_day_after_paclitaxel"],
        },
    )
    assert found("imp321_dose_not_cohort") == {"IMP-1"}
    assert found("imp321_not_day_after_paclitaxel") == {"IMP-2"}


def test_dosing_after_end_of_treatment_is_flagged(enrolled, give_paclitaxel, investigator):
    patient = enrolled(c1d1_days_ago=20)
    give_paclitaxel(patient, "PAC-C1D1")
    patient_services.patient_end_treatment(
        user=investigator,
        patient=patient,
        end_date=patient.c1d1_date + dt.timedelta(days=2),
        reason_code="progression",
    )
    assert found("dosed_after_end_of_treatment") == set()
    give_paclitaxel(patient, "PAC-C1D8")
    assert found("dosed_after_end_of_treatment") == {"PAC-C1D8"}


def test_enrolment_under_waiver_is_a_deviation(screened, investigator):
    patient = screened()
    patient_services.eligibility_record(
        user=investigator,
        patient=patient,
        answers={"IN04": False},
        source_date=patient.screening_date,
        reason="ECOG 2",
    )
    patient_services.patient_enrol(
        user=investigator,
        patient=patient,
        enrolled_on=TODAY,
        c1d1_date=TODAY,
        waiver_reason="Sponsor approval 12",
    )
    deviation = (
        Deviation.objects.get(rule="eligibility_waiver") if found("eligibility_waiver") else None
    )
    assert deviation is not None and deviation.severity == "major"
    assert deviation.evidence["waiver"] == "Sponsor approval 12"


def test_tumour_assessment_overdue_after_its_window(enrolled):
    enrolled(c1d1_days_ago=56 + 7)  # study day 64 = last day of the week-8 window
    assert "TUM-W8" not in found("tumour_assessment_overdue")
    enrolled(c1d1_days_ago=56 + 8)
    assert "TUM-W8" in found("tumour_assessment_overdue")


@pytest.mark.parametrize(("shift", "out"), [(2, False), (3, True), (-2, False), (-3, True)])
def test_immune_draw_13_plus_minus_2_days_after_injection_6(enrolled, investigator, shift, out):
    patient = enrolled(c1d1_days_ago=100)
    inj6 = patient.calendar.get(code="IMP-C3D16")
    calendar.calendar_record_actual(
        patient=patient, code="IMP-C3D16", actual_date=inj6.planned_date, user=investigator
    )
    draw_due = inj6.planned_date + dt.timedelta(days=13)
    calendar.calendar_record_actual(
        patient=patient,
        code="IMM-INJ6",
        actual_date=draw_due + dt.timedelta(days=shift),
        user=investigator,
    )
    assert ("IMM-INJ6" in found("immune_draw_out_of_window")) is out


def test_sweeping_twice_creates_nothing_new(enrolled):
    enrolled(c1d1_days_ago=30)
    first = deviations_sweep()
    rows = list(Deviation.objects.values_list("id", "status", "version"))
    second = deviations_sweep()
    assert first.created > 0 and second.created == 0 and second.withdrawn == 0
    assert list(Deviation.objects.values_list("id", "status", "version")) == rows


def test_dosing_despite_hold_criteria_is_a_deviation(enrolled, give_paclitaxel, blood_counts):
    patient = enrolled(c1d1_days_ago=20)
    blood_counts(patient, on=patient.c1d1_date, anc="0.9", platelets="210")
    give_paclitaxel(patient, "PAC-C1D1", hold_override_confirmed=True)
    assert found("dosed_despite_hold") == {"PAC-C1D1"}
    deviation = Deviation.objects.get(rule="dosed_despite_hold")
    assert deviation.evidence["anc"] == "0.90"


@pytest.mark.parametrize(("hours", "late"), [(24, False), (25, True)])
def test_sae_reported_more_than_24_hours_after_awareness(enrolled, investigator, hours, late):
    from assessments import services as ae_services
    from assessments.constants import Relation

    patient = enrolled(c1d1_days_ago=30)
    start = patient.c1d1_date + dt.timedelta(days=10)
    aware = timezone.make_aware(dt.datetime.combine(start, dt.time(8, 0)))
    ae = ae_services.adverse_event_create(
        user=investigator,
        patient=patient,
        meddra_code="10016288",
        grade=3,
        start_date=start,
        stop_date=start + dt.timedelta(days=5),
        serious=True,
        sae_criteria=["hospitalisation"],
        sae_aware_at=aware,
        sae_reported_at=aware + dt.timedelta(hours=hours),
        relation_paclitaxel=Relation.PROBABLE,
        relation_imp321=Relation.UNLIKELY,
        action_taken="held",
        outcome="recovered",
    )
    assert (f"AE-{ae.pk}" in found("sae_reported_late")) is late
