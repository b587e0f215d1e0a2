"""Concomitant medications: verbatim name, optional ATC code, dose, route, frequency, dates,
and the adverse event of the same patient they treat."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from edc.audit.services import audited_create
from patients.models import Patient
from patients.validators import validate_not_future

from .. import constants as msg
from .. import validators
from ..models import AdverseEvent, ConcomitantMedication
from ..validators import collect_errors
from .common import update_whole_record

CM_FIELDS = (
    "name",
    "atc_code",
    "indication",
    "dose",
    "unit",
    "route",
    "frequency",
    "start_date",
    "ongoing",
    "stop_date",
    "adverse_event",
)
_CHOICES = {
    "unit": (msg.DoseUnit, _("Choose the dose unit.")),
    "route": (msg.Route, _("Choose the route.")),
    "frequency": (msg.Frequency, _("Choose the frequency.")),
}


def _clean_medication(*, patient: Patient, values: Mapping[str, Any]) -> dict:
    """Every con-med rule at once; the values to save."""
    collector = collect_errors()
    name = (values.get("name") or "").strip()
    indication = (values.get("indication") or "").strip()
    atc_code = (values.get("atc_code") or "").strip().upper()
    if not name:
        collector.add("name", msg.CM_NAME_REQUIRED)
    if not indication:
        collector.add("indication", msg.CM_INDICATION_REQUIRED)
    collector.check(validators.validate_atc_code, atc_code)
    dose = values.get("dose")
    if dose is None or Decimal(dose) <= 0:
        collector.add("dose", msg.CM_DOSE_POSITIVE)
    for field, (choices, message) in _CHOICES.items():
        if values.get(field) not in choices.values:
            collector.add(field, message)
    start, stop, ongoing = values.get("start_date"), values.get("stop_date"), values.get("ongoing")
    if start is None:
        collector.add("start_date", msg.CM_START_REQUIRED)
    else:
        collector.check(validate_not_future, start, "start_date")
    if stop is not None:
        collector.check(validate_not_future, stop, "stop_date")
    if ongoing is None:
        collector.add("ongoing", msg.CM_ONGOING_REQUIRED)
    collector.check(validators.validate_conmed_stop, ongoing=ongoing, start=start, stop=stop)
    adverse_event: AdverseEvent | None = values.get("adverse_event")
    collector.check(
        validators.validate_conmed_adverse_event,
        adverse_event,
        patient_id=patient.pk,
        stop=stop,
    )
    collector.raise_if_any()
    return {
        "name": name,
        "atc_code": atc_code,
        "indication": indication,
        "dose": dose,
        "unit": values["unit"],
        "route": values["route"],
        "frequency": values["frequency"],
        "start_date": start,
        "ongoing": bool(ongoing),
        "stop_date": stop,
        "adverse_event": adverse_event,
    }


@transaction.atomic
def conmed_create(
    *,
    user,
    patient: Patient,
    name: str,
    indication: str,
    dose: Decimal | None,
    unit: str,
    route: str,
    frequency: str,
    start_date: dt.date | None,
    ongoing: bool | None,
    stop_date: dt.date | None = None,
    atc_code: str = "",
    adverse_event: AdverseEvent | None = None,
) -> ConcomitantMedication:
    """Record a concomitant medication (optionally the adverse event of this patient it treats)."""
    values = {
        "name": name,
        "atc_code": atc_code,
        "indication": indication,
        "dose": dose,
        "unit": unit,
        "route": route,
        "frequency": frequency,
        "start_date": start_date,
        "ongoing": ongoing,
        "stop_date": stop_date,
        "adverse_event": adverse_event,
    }
    cleaned = _clean_medication(patient=patient, values=values)
    return audited_create(ConcomitantMedication(patient=patient, **cleaned), user=user)


@transaction.atomic
def conmed_update(
    *,
    user,
    medication: ConcomitantMedication,
    changes: Mapping[str, Any],
    reason: str,
    expected_version: int | None,
) -> ConcomitantMedication:
    """Correct or follow up a medication (e.g. its stop date) with a reason."""
    return update_whole_record(
        medication,
        fields=CM_FIELDS,
        clean=lambda locked, values: _clean_medication(patient=locked.patient, values=values),
        user=user,
        changes=changes,
        reason=reason,
        expected_version=expected_version,
    )
