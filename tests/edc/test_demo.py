"""The demo trial: deterministic, complete enough to click through, realistic, and idempotent."""

import datetime as dt
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Max, Min
from django.utils import timezone

from assessments.constants import AssessmentKind
from assessments.models import AdverseEvent, ConcomitantMedication, TumourAssessment, VitalSigns
from dosing.models import Imp321Injection, PaclitaxelAdministration
from edc import protocol
from edc.audit.models import AuditEntry
from edc.monitoring.constants import QueryStatus, SignatureStatus
from edc.monitoring.models import DataQuery, SdvMark, Signature
from patients.constants import PatientStatus
from patients.models import Patient

STEPS = (
    "Sites, logins and training",
    "Patients",
    "Medical history and prior cancer therapy",
    "Doses, vital signs and adverse events",
    "Laboratories and results",
    "Tumour assessments and SAEs",
    "Queries, SDV and signatures",
    "Deviations",
)


def _structure() -> list[str]:
    enrolled = Patient.objects.exclude(subject_id=None)
    assert enrolled.count() == 30
    for cohort in protocol.COHORTS:
        assert enrolled.filter(cohort__code=cohort.code).count() == cohort.capacity
    assert set(enrolled.values_list("site__code", flat=True)) == {"FR01", "FR02", "BE01"}
    assert Patient.objects.filter(status=PatientStatus.SCREEN_FAILED).count() == 3
    assert Patient.objects.filter(status=PatientStatus.SCREENING).count() == 2
    assert Patient.objects.filter(consent_withdrawn_on__isnull=False).count() == 1
    return sorted(enrolled.values_list("subject_id", flat=True))


def _forms_are_complete_and_vitals_match_the_dosing_weight() -> None:
    given = PaclitaxelAdministration.objects.filter(status="given")
    assert given.count() > 300
    assert not given.filter(infusion_start=None).exists()
    assert not given.filter(infusion_stop=None).exists()
    assert not given.filter(premed_dexamethasone=None).exists()  # premedication stated
    # Medical history and prior therapy of every patient screened; medications for AEs.
    assert not Patient.objects.filter(medical_history=None).exists()
    assert not Patient.objects.filter(prior_therapies=None).exists()
    assert ConcomitantMedication.objects.filter(adverse_event__isnull=False).count() >= 10
    assert not Imp321Injection.objects.filter(status="given", kit_number="").exists()
    followups = TumourAssessment.objects.filter(kind=AssessmentKind.FOLLOW_UP)
    assert followups.exists() and not followups.filter(investigator_response="").exists()
    # The investigator agrees with the computation except in the two scenarios that show it.
    assert followups.filter(response_disagrees=True).count() == 2
    # Vital signs at every D1 given, weighed for that dose.
    for dose in given.filter(day=1).select_related("event"):
        vitals = VitalSigns.objects.get(patient_id=dose.patient_id, visit=dose.event.code)
        assert vitals.measured_on == dose.administration_date
        assert (vitals.weight_kg, vitals.height_cm) == (dose.weight_kg, dose.height_cm)


def _adverse_events_of_weekly_paclitaxel_with_imp321() -> None:
    terms = Counter(AdverseEvent.objects.values_list("meddra_code", flat=True))
    for code in ("10034620", "10029366", "10001760", "10016256", "10022095"):
        assert terms[code] >= 1, code  # neuropathy, neutropenia, alopecia, fatigue, injection site
    assert set(AdverseEvent.objects.values_list("grade", flat=True)) >= {1, 2, 3}
    reactions = AdverseEvent.objects.filter(meddra_code="10022095")
    assert not reactions.exclude(relation_imp321="definite").exists()
    assert not reactions.exclude(relation_paclitaxel="not_related").exists()
    by_cohort = Counter(reactions.values_list("patient__cohort__code", flat=True))
    assert by_cohort["C"] > by_cohort["A"]  # injection-site reactions rise with the IMP321 dose
    assert AdverseEvent.objects.filter(serious=True, reported_late=True).count() == 1


def _monitoring() -> None:
    statuses = Counter(DataQuery.objects.values_list("status", flat=True))
    assert statuses[QueryStatus.OPEN] >= 2
    assert statuses[QueryStatus.ANSWERED] >= 2
    assert statuses[QueryStatus.CLOSED] >= 3
    assert SdvMark.objects.filter(cleared_at=None).count() >= 50
    assert Signature.objects.filter(status=SignatureStatus.VALID).count() >= 3


def _dated_on_the_trial_timeline() -> None:
    span = AuditEntry.objects.aggregate(first=Min("at"), last=Max("at"))
    assert span["first"] < timezone.make_aware(dt.datetime(2025, 4, 1))
    assert span["last"] - span["first"] > dt.timedelta(days=365)
    # A dose is recorded on the day it was given, in its history and its review row alike.
    dose = PaclitaxelAdministration.objects.filter(status="given").order_by("pk").first()
    history = dose.history.earliest("history_date")
    assert timezone.localdate(history.history_date) == dose.administration_date
    entry = AuditEntry.objects.get(
        model_label="dosing.paclitaxeladministration", object_id=dose.pk, action="create"
    )
    assert entry.at == history.history_date
    # A query is answered after it was raised, and closed after that.
    for query in DataQuery.objects.filter(status=QueryStatus.CLOSED).exclude(answered_at=None):
        assert query.raised_at <= query.answered_at <= query.closed_at


@pytest.mark.django_db
def test_demo_builds_a_complete_realistic_trial_on_its_timeline_once(capsys):
    call_command("load_demo")
    out = capsys.readouterr().out
    for role in ("investigator", "coordinator", "monitor", "statistician", "data_manager"):
        assert role in out
    # One progress line per step, as it ends.
    lines = out.splitlines()
    for step in STEPS:
        line = next(line for line in lines if line.strip().startswith(step))
        assert line.rstrip().endswith(" s")
    assert "30/30 enrolled" in out

    first_ids = _structure()
    _forms_are_complete_and_vitals_match_the_dosing_weight()
    _adverse_events_of_weekly_paclitaxel_with_imp321()
    _monitoring()
    _dated_on_the_trial_timeline()

    call_command("load_demo")  # second run changes nothing
    assert "already loaded" in capsys.readouterr().out
    assert (
        sorted(Patient.objects.exclude(subject_id=None).values_list("subject_id", flat=True))
        == first_ids
    )
