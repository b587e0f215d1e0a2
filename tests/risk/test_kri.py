"""Each key risk indicator's definition on small hand-worked data: the formulas on plain facts,
then the facts as gathered from the database (audit trail, queries, deviations, calendar,
doses)."""

import datetime as dt

import pytest
from django.utils import timezone

from edc.audit.clock import back_entry_on
from edc.deviations.models import Deviation
from edc.monitoring import services as monitoring_services
from edc.monitoring.records import record_ref
from edc.risk import kri
from edc.risk.models import Level
from patients.constants import PatientStatus
from tests.factories import PatientFactory

TODAY = dt.date(2026, 6, 30)


def entry(lag: int) -> kri.Entry:
    day = TODAY - dt.timedelta(days=40)
    saved = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=lag), dt.time(12)))
    return kri.make_entry("assessments.VitalSigns", 1, 1, 1, day, saved)


def patient(pid=1, *, enrolled=True, **kw) -> kri.PatientFacts:
    return kri.PatientFacts(
        id=pid, site_id=1, label=f"P{pid}", status="", enrolled=enrolled,
        screen_failed=kw.pop("screen_failed", False), **kw,
    )  # fmt: skip


# --- the formulas -----------------------------------------------------------------------------


def test_entry_lag_is_the_mean_days_to_first_save_and_late_entries_their_share_over_7_days():
    values = kri.values_for([patient(entries=[entry(2), entry(10)]), patient(2)])
    assert values["entry_lag_days"] == 6.0
    assert values["late_entry_pct"] == 50.0
    assert kri.values_for([patient()])["entry_lag_days"] is None


def test_query_rate_is_per_100_data_points_and_answer_time_the_median():
    values = kri.values_for(
        [
            patient(1, queries=2, data_points=100, answer_days=[1.0, 10.0]),
            patient(2, queries=1, data_points=50, answer_days=[3.0], old_open_queries=1),
        ]
    )
    assert values["query_rate"] == 2.0  # 3 queries / 150 data points × 100
    assert values["query_answer_days"] == 3.0
    assert values["old_open_queries"] == 1.0


def test_deviation_rates_are_per_enrolled_patient_by_severity():
    values = kri.values_for(
        [
            patient(1, major=1, minor=3),
            patient(2, minor=1),
            patient(3, enrolled=False, minor=5),  # never enrolled: not in the rate
        ]
    )
    assert values["major_deviations_per_patient"] == 0.5
    assert values["minor_deviations_per_patient"] == 2.0


def test_adverse_event_rates_are_per_patient_month_and_need_six_months_of_follow_up():
    values = kri.values_for([patient(1, months=6, aes=3, saes=1), patient(2, months=4, aes=2)])
    assert values["ae_per_patient_month"] == 0.5
    assert values["sae_per_patient_month"] == 0.1
    short = kri.values_for([patient(1, months=5, aes=3)])
    assert short["ae_per_patient_month"] is None


def test_sdv_backlog_forms_missed_visits_dose_intensity_and_screen_failures():
    values = kri.values_for(
        [
            patient(1, records=30, verified=10, in_progress=2, missed=1, rdi=0.9),
            patient(2, records=10, in_progress=1, missed=2, rdi=0.7),
            patient(3, enrolled=False, screen_failed=True, records=5),
            patient(4, enrolled=False),  # still in screening: not decided
        ]
    )
    assert values["sdv_backlog_pct"] == pytest.approx(100 * 35 / 45)
    assert values["forms_in_progress"] == 3.0
    assert values["missed_visits_per_patient"] == 1.5
    assert values["rdi"] == pytest.approx(0.8)
    assert values["screen_failure_pct"] == pytest.approx(100 / 3)


def test_levels_follow_the_thresholds_in_both_directions():
    thresholds = {"entry_lag_days": (3, 7), "rdi": (0.85, 0.7)}
    assert kri.level_of("entry_lag_days", 2.9, thresholds) == Level.OK
    assert kri.level_of("entry_lag_days", 3, thresholds) == Level.WATCH
    assert kri.level_of("entry_lag_days", 7, thresholds) == Level.ACT
    assert kri.level_of("rdi", 0.9, thresholds) == Level.OK
    assert kri.level_of("rdi", 0.8, thresholds) == Level.WATCH
    assert kri.level_of("rdi", 0.6, thresholds) == Level.ACT
    assert kri.level_of("rdi", None, thresholds) == Level.NONE


def test_every_indicator_has_a_definition_and_thresholds(settings):
    for indicator in kri.INDICATORS:
        assert len(indicator.definition) > 40
        assert indicator.code in settings.RISK_KRI_THRESHOLDS


# --- the facts, from the database -------------------------------------------------------------


def test_entry_lag_reads_the_first_save_from_the_audit_trail(enrolled, vitals):
    today = timezone.localdate()
    p = enrolled(c1d1_days_ago=40)
    vitals(p, on=today - dt.timedelta(days=30), saved=today - dt.timedelta(days=28))
    vitals(p, on=today - dt.timedelta(days=20), saved=today - dt.timedelta(days=8))
    facts = kri.gather()
    assert sorted(e.lag for e in facts.patients[p.pk].entries) == [2, 12]
    values = kri.values_for(facts.by_site()[p.site_id])
    assert values["entry_lag_days"] == 7.0
    assert values["late_entry_pct"] == 50.0


def test_queries_old_open_and_time_to_answer(enrolled, vitals, monitor, investigator):
    today = timezone.localdate()
    p = enrolled(c1d1_days_ago=40)
    record = vitals(p, on=today - dt.timedelta(days=30), saved=today - dt.timedelta(days=29))
    ref = record_ref(record)
    with back_entry_on(today - dt.timedelta(days=25)):
        answered = monitoring_services.query_raise(
            user=monitor, record=ref, field="systolic_bp", question="Please check."
        )
    with back_entry_on(today - dt.timedelta(days=22)):
        monitoring_services.query_answer(query=answered, user=investigator, text="Checked.")
    with back_entry_on(today - dt.timedelta(days=20)):
        monitoring_services.query_raise(user=monitor, record=ref, field="", question="Source?")
    monitoring_services.query_raise(user=monitor, record=ref, field="ecog", question="ECOG?")
    facts = kri.gather()
    pf = facts.patients[p.pk]
    assert pf.queries == 3
    assert pf.old_open_queries == 1  # open, raised 20 days ago (> 14)
    assert pf.answer_days == [pytest.approx(3.0)]
    values = kri.values_for([pf])
    assert values["query_rate"] == pytest.approx(300 / pf.data_points)
    assert values["query_answer_days"] == pytest.approx(3.0)


def test_deviations_count_by_severity_without_withdrawn_ones(enrolled):
    p = enrolled()
    for key, severity, status in (
        ("a", "major", "open"),
        ("b", "minor", "acknowledged"),
        ("c", "minor", "resolved"),
        ("d", "minor", "withdrawn"),
    ):
        Deviation.objects.create(
            patient=p, rule="visit_out_of_window", severity=severity, subject_key=key,
            summary="x", detected_at=timezone.now(), status=status,
        )  # fmt: skip
    pf = kri.gather().patients[p.pk]
    assert (pf.major, pf.minor) == (1, 2)


def test_missed_visits_are_closed_windows_with_nothing_recorded(enrolled):
    p = enrolled(c1d1_days_ago=40)
    today = timezone.localdate()
    expected = [
        e
        for e in p.calendar.all()
        if e.latest < today and e.actual_date is None and not e.not_done_reason
    ]
    assert expected  # 40 days without any dose: C1D1, D8, D15… are missed
    assert kri.gather().patients[p.pk].missed == len(expected)


def test_dose_intensity_reuses_dosing_exposure(enrolled, give_paclitaxel):
    p = enrolled(c1d1_days_ago=3)
    give_paclitaxel(p, "PAC-C1D1")
    # one full dose of the three planned in cycle 1
    assert kri.gather().patients[p.pk].rdi == pytest.approx(0.333)


def test_screen_failures_and_patient_months(enrolled, site):
    p = enrolled(c1d1_days_ago=61)
    PatientFactory(site=site, status=PatientStatus.SCREEN_FAILED)
    PatientFactory(site=site)  # still screening
    facts = kri.gather()
    assert facts.patients[p.pk].months == pytest.approx(61 / kri.DAYS_PER_MONTH)
    values = kri.values_for(facts.by_site()[site.pk])
    assert values["screen_failure_pct"] == 50.0
