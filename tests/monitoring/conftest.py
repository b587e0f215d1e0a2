"""Fixtures of the monitor workspace: records to query, verify, sign and lock."""

import pytest
from django.contrib.contenttypes.models import ContentType

from edc.monitoring import services
from edc.monitoring.records import record_ref
from patients import services as patient_services
from patients.models import Patient

PASSWORD = "pw-for-tests-1"  # tests.factories.UserFactory


@pytest.fixture
def patient(enrolled):
    """An enrolled patient at FR01 (the investigator's, coordinator's and monitor's site)."""
    return enrolled()


@pytest.fixture
def other_patient(enrolled, other_site, other_investigator):
    """An enrolled patient at FR02, where only ``other_investigator`` works."""
    return enrolled(site=other_site, user=other_investigator)


@pytest.fixture
def correct():
    """Correct a patient's year of birth through the registry service (a real data change)."""

    def change(patient, *, user, year: int = 1968, reason: str = "Transcription error"):
        current = Patient.objects.get(pk=patient.pk)
        return patient_services.patient_update(
            user=user,
            patient=current,
            data={"year_of_birth": year},
            reason=reason,
            expected_version=current.version,
        )

    return change


@pytest.fixture
def raise_query(monitor):
    def make(instance, *, field: str = "year_of_birth", question: str = "Please check.", user=None):
        return services.query_raise(
            user=user or monitor, record=record_ref(instance), field=field, question=question
        )

    return make


def record_path(instance, suffix: str = "") -> str:
    ct = ContentType.objects.get_for_model(type(instance))
    return f"/monitoring/records/{ct.pk}/{instance.pk}/{suffix}"
