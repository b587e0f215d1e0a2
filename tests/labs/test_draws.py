"""Immune-monitoring draws: baseline before C1D1, 13 ± 2 days after actual injections 6/12."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from edc.access.selectors import user_site_ids
from labs import constants as msg
from labs import services
from labs.immune import days_outside_window
from labs.models import ImmuneDraw, LabResult
from labs.selectors import immune_change_by_cohort, immune_schedule
from patients.models import CalendarEvent

from .conftest import immune_values

D = Decimal


def local(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def draw(user, patient, lab, code, day, *, sample=None, values=None):
    return services.immune_draw_record(
        user=user,
        patient=patient,
        event_code=code,
        drawn_at=local(day),
        sample_id=sample or f"{patient.pk}-{code}-{day}",
        processing_minutes=90,
        lab=lab,
        values=immune_values() if values is None else values,
    )


def event(patient, code):
    return CalendarEvent.objects.get(patient=patient, code=code)


@pytest.mark.django_db
def test_the_baseline_draw_is_on_or_before_c1d1_and_marks_the_calendar(enrolled, lab, investigator):
    patient = enrolled(c1d1_days_ago=10)
    with pytest.raises(ValidationError) as exc:
        draw(investigator, patient, lab, "IMM-BL", patient.c1d1_date + dt.timedelta(days=1))
    assert exc.value.message_dict["drawn_at"] == [
        msg.BASELINE_AFTER_C1D1.format(date=patient.c1d1_date)
    ]
    recorded = draw(investigator, patient, lab, "IMM-BL", patient.c1d1_date)
    assert event(patient, "IMM-BL").actual_date == patient.c1d1_date
    values = LabResult.objects.filter(immune_draw=recorded)
    assert values.count() == len(immune_values())
    assert {r.collected_at for r in values} == {recorded.drawn_at}
    assert all(r.ctcae_grade is None for r in values)
    mono = values.get(analyte="MONO")
    assert (mono.normal_low, mono.flag) == (D("200"), "L")  # 100 cells/µL, range 200-800


@pytest.mark.django_db
def test_a_post_injection_draw_needs_its_injection_recorded_first(enrolled, lab, investigator):
    patient = enrolled(c1d1_days_ago=100)
    with pytest.raises(ValidationError) as exc:
        draw(investigator, patient, lab, "IMM-INJ6", timezone.localdate() - dt.timedelta(days=5))
    assert exc.value.message_dict["event_code"] == [msg.INJECTION_NOT_GIVEN.format(number=6)]


@pytest.mark.django_db
def test_draw_due_dates_follow_the_actual_injection_dates(
    enrolled, lab, investigator, record_injection
):
    patient = enrolled(c1d1_days_ago=180)
    planned_inj6 = event(patient, "IMP-C3D16").planned_date
    assert event(patient, "IMM-INJ6").planned_date == planned_inj6 + dt.timedelta(days=13)
    actual = planned_inj6 + dt.timedelta(days=4)  # injection 6 given 4 days late
    record_injection(patient, number=6, on=actual, user=investigator)
    due = event(patient, "IMM-INJ6")
    assert due.planned_date == actual + dt.timedelta(days=13)
    assert (due.earliest, due.latest) == (
        actual + dt.timedelta(days=11),
        actual + dt.timedelta(days=15),
    )
    inj12 = actual + dt.timedelta(days=84)
    record_injection(patient, number=12, on=inj12, user=investigator)
    assert event(patient, "IMM-INJ12").planned_date == inj12 + dt.timedelta(days=13)


@pytest.mark.django_db
@pytest.mark.parametrize(("offset", "outside"), [(10, -1), (11, 0), (13, 0), (15, 0), (16, 1)])
def test_window_edges_are_in_and_one_day_beyond_is_out_but_still_recorded(
    enrolled, lab, investigator, record_injection, offset, outside
):
    patient = enrolled(c1d1_days_ago=120)
    injection = patient.c1d1_date + dt.timedelta(days=71)
    record_injection(patient, number=6, on=injection, user=investigator)
    drawn_on = injection + dt.timedelta(days=offset)
    draw(investigator, patient, lab, "IMM-INJ6", drawn_on)
    due = event(patient, "IMM-INJ6")
    assert due.actual_date == drawn_on
    assert days_outside_window(drawn_on, earliest=due.earliest, latest=due.latest) == outside
    schedule = {item["code"]: item for item in immune_schedule(user=investigator, patient=patient)}
    assert schedule["IMM-INJ6"]["days_outside"] == outside


@pytest.mark.django_db
def test_a_draw_on_or_before_its_injection_is_refused(
    enrolled, lab, investigator, record_injection
):
    patient = enrolled(c1d1_days_ago=120)
    injection = patient.c1d1_date + dt.timedelta(days=71)
    record_injection(patient, number=6, on=injection, user=investigator)
    with pytest.raises(ValidationError) as exc:
        draw(investigator, patient, lab, "IMM-INJ6", injection)
    assert "drawn_at" in exc.value.message_dict


@pytest.mark.django_db
def test_one_draw_per_event_and_unique_sample_ids(enrolled, lab, investigator):
    first = enrolled(c1d1_days_ago=10)
    second = enrolled(c1d1_days_ago=10)
    draw(investigator, first, lab, "IMM-BL", first.c1d1_date, sample="S-1")
    with pytest.raises(ValidationError) as exc:
        draw(investigator, first, lab, "IMM-BL", first.c1d1_date, sample="S-2")
    assert exc.value.message_dict["event_code"] == [msg.DRAW_DUPLICATE]
    with pytest.raises(ValidationError) as exc:
        draw(investigator, second, lab, "IMM-BL", second.c1d1_date, sample="S-1")
    assert exc.value.message_dict["sample_id"] == [msg.SAMPLE_ID_TAKEN]


@pytest.mark.django_db
def test_a_bad_immune_value_refuses_the_whole_draw(enrolled, lab, investigator):
    patient = enrolled(c1d1_days_ago=10)
    values = immune_values()
    values["MONO_PCT"] = (D("140"), "%")
    with pytest.raises(ValidationError) as exc:
        draw(investigator, patient, lab, "IMM-BL", patient.c1d1_date, values=values)
    assert "MONO_PCT_value" in exc.value.message_dict
    assert not ImmuneDraw.objects.exists()
    assert event(patient, "IMM-BL").actual_date is None


@pytest.mark.django_db
def test_correcting_the_draw_time_moves_its_results_and_the_calendar(
    enrolled, lab, investigator, coordinator
):
    patient = enrolled(c1d1_days_ago=10)
    recorded = draw(investigator, patient, lab, "IMM-BL", patient.c1d1_date - dt.timedelta(days=1))
    new_time = local(patient.c1d1_date, hour=7)
    services.immune_draw_update(
        user=coordinator,
        draw=recorded,
        drawn_at=new_time,
        sample_id=recorded.sample_id,
        processing_minutes=120,
        comment="",
        reason="Draw time misread from the tube label",
        expected_version=1,
    )
    assert set(
        LabResult.objects.filter(immune_draw=recorded).values_list("collected_at", flat=True)
    ) == {new_time}
    assert event(patient, "IMM-BL").actual_date == patient.c1d1_date


@pytest.mark.django_db
def test_change_from_baseline_per_cohort_in_one_query(
    enrolled, lab, investigator, record_injection, django_assert_num_queries
):
    patients = [enrolled(c1d1_days_ago=120) for _ in range(2)]
    for n, patient in enumerate(patients):
        draw(investigator, patient, lab, "IMM-BL", patient.c1d1_date, values=immune_values("1"))
        injection = patient.c1d1_date + dt.timedelta(days=71)
        record_injection(patient, number=6, on=injection, user=investigator)
        draw(
            investigator,
            patient,
            lab,
            "IMM-INJ6",
            injection + dt.timedelta(days=13),
            values=immune_values("1.5" if n == 0 else "2"),
        )
    user_site_ids(investigator)  # the user's sites are read once per request
    with django_assert_num_queries(1):
        summaries = immune_change_by_cohort(user=investigator)
    mono = next(s for s in summaries if s.analyte == "MONO" and s.event_code == "IMM-INJ6")
    assert (mono.cohort, mono.n) == ("A", 2)
    assert mono.mean_baseline == D("100.00")
    assert mono.mean_change == D("75.00")  # +50 and +100
    assert mono.mean_pct_change == D("75.00")
    pct = next(s for s in summaries if s.analyte == "MONO_PCT" and s.event_code == "IMM-INJ6")
    assert pct.mean_change == D("0.00")


@pytest.mark.django_db
def test_change_from_baseline_pairs_each_patient_with_their_own_baseline(
    enrolled, lab, investigator, record_injection
):
    """A follow-up without a baseline value counts nowhere; a baseline of 0 counts for the
    change but not for the relative change."""
    values = {"1": "1.5", "0": "1"}
    for scale in ("1", "0", None):
        patient = enrolled(c1d1_days_ago=120)
        if scale is not None:
            base = immune_values(scale)
            draw(investigator, patient, lab, "IMM-BL", patient.c1d1_date, values=base)
        injection = patient.c1d1_date + dt.timedelta(days=71)
        record_injection(patient, number=6, on=injection, user=investigator)
        later = immune_values(values.get(scale, "9"))
        drawn_on = injection + dt.timedelta(days=13)
        draw(investigator, patient, lab, "IMM-INJ6", drawn_on, values=later)
    mono = next(
        s
        for s in immune_change_by_cohort(user=investigator)
        if s.analyte == "MONO" and s.event_code == "IMM-INJ6"
    )
    # Patients 1 (100 -> 150) and 2 (0 -> 100); patient 3 (no baseline, 900) is left out.
    assert (mono.n, mono.mean_baseline, mono.mean_value) == (2, D("50.00"), D("125.00"))
    assert (mono.mean_change, mono.n_pct, mono.mean_pct_change) == (D("75.00"), 1, D("50.00"))


@pytest.mark.django_db
def test_a_draw_value_is_corrected_alone_but_keeps_the_draw_time(enrolled, lab, investigator):
    patient = enrolled(c1d1_days_ago=10)
    recorded = draw(investigator, patient, lab, "IMM-BL", patient.c1d1_date)
    nk = LabResult.objects.get(immune_draw=recorded, analyte="NK")
    with pytest.raises(ValidationError) as exc:
        services.lab_result_update(
            user=investigator,
            result=nk,
            collected_at=nk.collected_at - dt.timedelta(hours=1),
            value="120",
            unit="cells/µL",
            comment="",
            reason="Re-gated",
            expected_version=1,
        )
    assert exc.value.message_dict["collected_at"] == [msg.DRAW_TIME_FIXED]
    corrected = services.lab_result_update(
        user=investigator,
        result=nk,
        collected_at=nk.collected_at,
        value="120",
        unit="cells/µL",
        comment="Re-gated",
        reason="Flow cytometry re-gated",
        expected_version=1,
    )
    assert corrected.standard_value == D("120")
