"""The demo trial: deterministic, complete enough to click through, and idempotent."""

import pytest
from django.core.management import call_command

from edc import protocol
from patients.constants import PatientStatus
from patients.models import Patient


@pytest.mark.django_db
def test_demo_builds_three_sites_three_full_cohorts_and_every_role(capsys):
    call_command("load_demo")
    out = capsys.readouterr().out
    for role in ("investigator", "coordinator", "monitor", "statistician", "data_manager"):
        assert role in out
    enrolled = Patient.objects.exclude(subject_id=None)
    assert enrolled.count() == 30
    for cohort in protocol.COHORTS:
        assert enrolled.filter(cohort__code=cohort.code).count() == cohort.capacity
    assert set(enrolled.values_list("site__code", flat=True)) == {"FR01", "FR02", "BE01"}
    assert Patient.objects.filter(status=PatientStatus.SCREEN_FAILED).count() == 3
    assert Patient.objects.filter(status=PatientStatus.SCREENING).count() == 2
    assert Patient.objects.filter(consent_withdrawn_on__isnull=False).count() == 1
    first_ids = sorted(enrolled.values_list("subject_id", flat=True))
    call_command("load_demo")  # second run changes nothing
    assert (
        sorted(Patient.objects.exclude(subject_id=None).values_list("subject_id", flat=True))
        == first_ids
    )
