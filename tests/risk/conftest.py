import datetime as dt
from decimal import Decimal

import pytest

from assessments import services as assessment_services
from assessments.constants import UNSCHEDULED_VISIT
from edc.audit.clock import back_entry_on


@pytest.fixture
def vitals(investigator):
    """Record unscheduled vital signs measured on ``on``, first saved on ``saved``."""

    def record(patient, *, on: dt.date, saved: dt.date, user=investigator, systolic: int = 124):
        with back_entry_on(saved, 11):
            return assessment_services.vital_signs_create(
                user=user,
                patient=patient,
                visit=UNSCHEDULED_VISIT,
                measured_on=on,
                weight_kg=Decimal("64.5"),
                systolic_bp=systolic,
                diastolic_bp=78,
                heart_rate=72,
                temperature_c=Decimal("36.7"),
                ecog=0,
            )

    return record
