"""Patients with tumour assessments, entered through the assessments services."""

import datetime as dt
from decimal import Decimal

import pytest

from assessments import services
from assessments.constants import ImagingMethod, Organ

TARGETS = (
    services.TargetLesionInput(label="T1", organ=Organ.LIVER, diameter_mm=Decimal("30")),
    services.TargetLesionInput(label="T2", organ=Organ.LUNG, diameter_mm=Decimal("20")),
)
FOLLOW_UP_DAYS = (57, 113)  # study days of TUM-W8 and TUM-W16


@pytest.fixture
def tumour_patient(enrolled, investigator):
    """An enrolled patient (C1D1 130 days ago) with a baseline and two measured follow-ups.

    ``factors`` scale every target at each follow-up: ("0.6", "0.5") is a confirmed PR.
    """

    def make(*, factors=("0.6", "0.5"), user=None, **kwargs):
        user = user or investigator
        patient = enrolled(c1d1_days_ago=130, user=user, **kwargs)
        baseline = services.tumour_baseline_create(
            user=user,
            patient=patient,
            assessment_date=patient.c1d1_date - dt.timedelta(days=3),
            method=ImagingMethod.CT,
            target_lesions=list(TARGETS),
        )
        lesions = list(baseline.target_lesions.order_by("label"))
        for day, factor in zip(FOLLOW_UP_DAYS, factors, strict=False):
            services.tumour_followup_create(
                user=user,
                patient=patient,
                assessment_date=patient.c1d1_date + dt.timedelta(days=day - 1),
                method=ImagingMethod.CT,
                measurements=[
                    services.MeasurementInput(
                        lesion_id=t.pk,
                        diameter_mm=(t.diameter_mm * Decimal(factor)).quantize(Decimal("0.1")),
                    )
                    for t in lesions
                ],
                new_lesion="none",
            )
        patient.refresh_from_db()
        return patient

    return make
