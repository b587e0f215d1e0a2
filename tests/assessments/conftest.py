"""Fixtures for tumour assessments, adverse events and vital signs (through the services)."""

import datetime as dt
from decimal import Decimal

import pytest

from assessments import services
from assessments.constants import ImagingMethod, NewLesion, Organ, Relation

D = Decimal


@pytest.fixture
def patient(enrolled):
    """An enrolled FR01 patient at C1D1 + 130 days (TUM-W8/W16 past); consent C1D1 - 5."""
    return enrolled(c1d1_days_ago=130)


def target(label: str, organ: str, mm: str, **kwargs) -> services.TargetLesionInput:
    return services.TargetLesionInput(label=label, organ=organ, diameter_mm=D(mm), **kwargs)


def non_target(label: str, organ: str, **kwargs) -> services.NonTargetLesionInput:
    return services.NonTargetLesionInput(label=label, organ=organ, **kwargs)


# Baseline sum 30 + 20 + 20 = 70 mm.
STANDARD_TARGETS = (
    target("T1", Organ.LIVER, "30", location="segment VII"),
    target("T2", Organ.LUNG, "20", location="right lower lobe"),
    target("T3", Organ.LYMPH_NODE, "20", location="left axillary"),
)


@pytest.fixture
def make_baseline(investigator):
    def make(patient, *, targets=STANDARD_TARGETS, non_targets=(), days_before_c1d1=3, **kw):
        return services.tumour_baseline_create(
            user=kw.pop("user", investigator),
            patient=patient,
            assessment_date=patient.c1d1_date - dt.timedelta(days=days_before_c1d1),
            method=kw.pop("method", ImagingMethod.CT),
            target_lesions=list(targets),
            non_target_lesions=list(non_targets),
            **kw,
        )

    return make


def scaled(baseline, factor: str | Decimal) -> list[services.MeasurementInput]:
    """Every baseline target measured at ``factor`` × its baseline diameter."""
    return [
        services.MeasurementInput(
            lesion_id=t.pk, diameter_mm=(t.diameter_mm * D(factor)).quantize(D("0.1"))
        )
        for t in baseline.target_lesions.order_by("label")
    ]


@pytest.fixture
def make_followup(investigator):
    def make(patient, baseline, *, day: int = 57, factor="0.6", measurements=None, **kw):
        return services.tumour_followup_create(
            user=kw.pop("user", investigator),
            patient=patient,
            assessment_date=patient.c1d1_date + dt.timedelta(days=day - 1),
            method=kw.pop("method", ImagingMethod.CT),
            measurements=measurements if measurements is not None else scaled(baseline, factor),
            new_lesion=kw.pop("new_lesion", NewLesion.NONE),
            **kw,
        )

    return make


def ae_values(patient, **overrides) -> dict:
    values = {
        "meddra_code": "10029366",  # Neutrophil count decreased (no grade 5)
        "grade": 3,
        "start_date": patient.c1d1_date + dt.timedelta(days=10),
        "stop_date": patient.c1d1_date + dt.timedelta(days=17),
        "relation_paclitaxel": Relation.PROBABLE,
        "relation_imp321": Relation.UNLIKELY,
        "action_taken": "held",
        "outcome": "recovered",
    }
    return values | overrides


@pytest.fixture
def make_ae(investigator):
    def make(patient, **overrides):
        return services.adverse_event_create(
            user=investigator, patient=patient, **ae_values(patient, **overrides)
        )

    return make


def vitals_values(patient, **overrides) -> dict:
    values = {
        "visit": "PAC-C1D1",
        "measured_on": patient.c1d1_date,
        "weight_kg": D("64.5"),
        "height_cm": D("165.0"),
        "systolic_bp": 124,
        "diastolic_bp": 78,
        "heart_rate": 72,
        "temperature_c": D("36.8"),
        "ecog": 0,
    }
    return values | overrides


@pytest.fixture
def trial(enrolled, make_baseline, make_followup, make_ae, investigator):
    """Add ``n`` enrolled FR01 patients, each with a baseline, two follow-ups, an AE, vitals."""

    def add(n: int):
        for _ in range(n):
            patient = enrolled(c1d1_days_ago=130)
            baseline = make_baseline(patient, non_targets=[non_target("NT1", Organ.BONE)])
            make_followup(patient, baseline, day=57, factor="0.6", non_target_status="present")
            make_followup(patient, baseline, day=113, factor="0.55", non_target_status="present")
            make_ae(patient)
            services.vital_signs_create(
                user=investigator, patient=patient, **vitals_values(patient)
            )

    return add
