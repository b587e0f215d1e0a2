"""Vital signs and ECOG: physiological limits declared once (edc.validators), one visit each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from edc import validators as limits
from edc.audit.services import audited_create
from edc.checks import enqueue_patient_check
from patients.models import Patient

from .. import constants as msg
from .. import validators
from ..models import VitalSigns
from ..validators import collect_errors
from .common import check_study_date, update_whole_record

VITALS_FIELDS = (
    "visit",
    "measured_on",
    "weight_kg",
    "height_cm",
    "systolic_bp",
    "diastolic_bp",
    "heart_rate",
    "temperature_c",
    "ecog",
)
# Physiological limits, declared once (edc.validators); the form's inputs read the same.
VITALS_LIMITS = {
    "weight_kg": limits.WEIGHT_KG,
    "systolic_bp": limits.SYSTOLIC_BP,
    "diastolic_bp": limits.DIASTOLIC_BP,
    "heart_rate": limits.HEART_RATE,
    "temperature_c": limits.TEMPERATURE_C,
}


def _clean_vital_signs(
    *, patient: Patient, values: Mapping[str, Any], exclude_pk: int | None = None
) -> dict:
    collector = collect_errors()
    measured_on = values.get("measured_on")
    if measured_on is None:
        collector.add("measured_on", gettext("Give the date of the measurements."))
    check_study_date(collector, measured_on, "measured_on", patient=patient)
    for field, limit in VITALS_LIMITS.items():
        collector.check(limit.check, values.get(field), field)
    if values.get("height_cm") is not None:
        collector.check(limits.HEIGHT_CM.check, values["height_cm"], "height_cm")
    if values.get("systolic_bp") is not None and values.get("diastolic_bp") is not None:
        collector.check(
            validators.validate_blood_pressure,
            systolic=values["systolic_bp"],
            diastolic=values["diastolic_bp"],
        )
    collector.check(validators.validate_ecog, values.get("ecog"))
    visit = values.get("visit")
    if visit and visit != msg.UNSCHEDULED_VISIT:
        taken = VitalSigns.objects.filter(patient=patient, visit=visit).exclude(pk=exclude_pk)
        if taken.exists():
            labels = dict(msg.VITALS_VISITS)
            collector.add(
                "visit", msg.VISIT_ALREADY_RECORDED.format(visit=labels.get(visit, visit))
            )
    collector.raise_if_any()
    return {field: values.get(field) for field in VITALS_FIELDS}


@transaction.atomic
def vital_signs_create(
    *,
    user,
    patient: Patient,
    visit: str,
    measured_on: dt.date,
    weight_kg: Decimal,
    systolic_bp: int,
    diastolic_bp: int,
    heart_rate: int,
    temperature_c: Decimal,
    ecog: int,
    height_cm: Decimal | None = None,
) -> VitalSigns:
    """Record vital signs and ECOG; physiologically impossible values are refused."""
    values = {
        "visit": visit,
        "measured_on": measured_on,
        "weight_kg": weight_kg,
        "height_cm": height_cm,
        "systolic_bp": systolic_bp,
        "diastolic_bp": diastolic_bp,
        "heart_rate": heart_rate,
        "temperature_c": temperature_c,
        "ecog": ecog,
    }
    cleaned = _clean_vital_signs(patient=patient, values=values)
    vital_signs = audited_create(VitalSigns(patient=patient, **cleaned), user=user)
    enqueue_patient_check(patient.pk)
    return vital_signs


@transaction.atomic
def vital_signs_update(
    *,
    user,
    vital_signs: VitalSigns,
    changes: Mapping[str, Any],
    reason: str,
    expected_version: int | None,
) -> VitalSigns:
    """Correct vital signs with a reason (the same plausibility rules as at entry)."""
    return update_whole_record(
        vital_signs,
        fields=VITALS_FIELDS,
        clean=lambda locked, values: _clean_vital_signs(
            patient=locked.patient, values=values, exclude_pk=locked.pk
        ),
        user=user,
        changes=changes,
        reason=reason,
        expected_version=expected_version,
    )
