"""Writes for paclitaxel administrations and IMP321 injections (the one write path).

Every service is atomic, checks the clinical rules (dosing.validators, dosing.rules), stores
the derived values shown at entry (BSA, planned dose, hold check), saves through the audited
services and records the actual date on the patient's calendar, which shifts what follows.
"""

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from edc import protocol
from edc.audit.services import audited_create, audited_update
from edc.checks import enqueue_patient_check
from labs.selectors import haematology_for_dose
from patients import calendar
from patients.constants import PatientStatus
from patients.models import CalendarEvent, Patient
from patients.services import consent_date_of
from patients.validators import validate_study_date

from . import constants as msg
from . import rules, validators
from .constants import AdministrationStatus, InjectionStatus
from .models import Imp321Injection, PaclitaxelAdministration

PACLITAXEL_FIELDS = (
    "administration_date",
    "status",
    "status_reason",
    "height_cm",
    "weight_kg",
    "dose_level_mg_m2",
    "reduction_reason",
    "actual_dose_mg",
    "infusion_start",
    "infusion_stop",
    "hold_override_confirmed",
)
IMP321_FIELDS = (
    "injected_at",
    "status",
    "status_reason",
    "dose_mg",
    "dose_reason",
    "kit_number",
    "lot_number",
    "injection_site",
    "local_reaction",
    "local_reaction_details",
    "no_preceding_dose_reason",
)


def _event(patient: Patient, code: str, kind: str) -> CalendarEvent:
    try:
        return CalendarEvent.objects.get(patient=patient, code=code, kind=kind)
    except CalendarEvent.DoesNotExist:
        raise ValidationError({"__all__": msg.UNKNOWN_EVENT.format(code=code, kind=kind)}) from None


def _check_patient_dated(patient: Patient, value: dt.date, field: str) -> None:
    if patient.status not in (PatientStatus.ENROLLED, PatientStatus.OFF_STUDY) or not (
        patient.c1d1_date
    ):
        raise ValidationError({"__all__": msg.NOT_ENROLLED})
    validate_study_date(
        value,
        field,
        consent_date=consent_date_of(patient),
        consent_withdrawn_on=patient.consent_withdrawn_on,
    )
    validators.validate_not_before_c1d1(value, field, c1d1=patient.c1d1_date)


def paclitaxel_preview(
    *,
    patient: Patient,
    day: int,
    administration_date: dt.date | None,
    height_cm: Decimal | None,
    weight_kg: Decimal | None,
    dose_level_mg_m2: Decimal | None,
) -> dict[str, Any]:
    """What the form shows as the user types: BSA, planned dose, hold check (read only)."""
    out: dict[str, Any] = {"bsa_m2": None, "planned_dose_mg": None, "hold": None}
    if height_cm and weight_kg and height_cm > 0 and weight_kg > 0:
        out["bsa_m2"] = rules.bsa_mosteller(height_cm, weight_kg)
        if dose_level_mg_m2 in protocol.PACLITAXEL_DOSE_LEVELS_MG_M2:
            out["planned_dose_mg"] = rules.planned_dose_mg(out["bsa_m2"], dose_level_mg_m2)
    if administration_date and day in protocol.HOLD_THRESHOLDS:
        labs = haematology_for_dose(patient=patient, dose_date=administration_date)
        out["hold"] = rules.hold_check(day=day, anc=labs.get("ANC"), platelets=labs.get("PLT"))
        out["anc"], out["platelets"] = labs.get("ANC"), labs.get("PLT")
    return out


def _derive_paclitaxel(patient: Patient, day: int, data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a paclitaxel record's values and compute what is stored with it."""
    validators.validate_body_measurements(height_cm=data["height_cm"], weight_kg=data["weight_kg"])
    validators.validate_dose_level(
        level=data["dose_level_mg_m2"], reduction_reason=data.get("reduction_reason", "")
    )
    bsa = rules.bsa_mosteller(data["height_cm"], data["weight_kg"])
    planned = rules.planned_dose_mg(bsa, data["dose_level_mg_m2"])
    validators.validate_status(
        status=data["status"],
        status_reason=data.get("status_reason", ""),
        actual_dose_mg=data.get("actual_dose_mg"),
        planned_dose_mg=planned,
    )
    validators.validate_infusion_times(
        start=data.get("infusion_start"), stop=data.get("infusion_stop")
    )
    labs = haematology_for_dose(patient=patient, dose_date=data["administration_date"])
    check = rules.hold_check(day=day, anc=labs.get("ANC"), platelets=labs.get("PLT"))
    validators.validate_hold(
        check=check,
        status=data["status"],
        confirmed=bool(data.get("hold_override_confirmed")),
    )
    return {
        "bsa_m2": bsa,
        "planned_dose_mg": planned,
        "anc_at_check": _stored(labs.get("ANC"), "anc_at_check"),
        "platelets_at_check": _stored(labs.get("PLT"), "platelets_at_check"),
        # The hold criteria are met (the dose should be held) when a threshold is not reached.
        "hold_criteria_met": None if check.met is None else not check.met,
    }


def _stored(value: Decimal | None, field: str) -> Decimal | None:
    """A lab value rounded to the precision it is stored with beside the dose."""
    if value is None:
        return None
    places = PaclitaxelAdministration._meta.get_field(field).decimal_places
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _sync_calendar(
    patient: Patient,
    event: CalendarEvent,
    *,
    given: bool,
    when: dt.date,
    reason_not_given: str,
    user,
) -> None:
    """Record the dose on the calendar, then queue the patient's deviation check."""
    enqueue_patient_check(patient.pk)
    if given:
        calendar.calendar_record_actual(
            patient=patient, code=event.code, actual_date=when, user=user
        )
    else:
        if event.actual_date:
            calendar.calendar_record_actual(
                patient=patient,
                code=event.code,
                actual_date=None,
                user=user,
                reason="Dose recorded as not given",
            )
        event.refresh_from_db()
        if event.not_done_reason != reason_not_given:
            calendar.calendar_mark_not_done(event=event, reason=reason_not_given, user=user)


@transaction.atomic
def paclitaxel_record(
    *, user, patient: Patient, event_code: str, data: Mapping[str, Any]
) -> PaclitaxelAdministration:
    """Record the paclitaxel dose of one planned day (given, held or not done)."""
    event = _event(patient, event_code, protocol.PACLITAXEL)
    if PaclitaxelAdministration.objects.filter(patient=patient, event=event).exists():
        raise ValidationError({"__all__": msg.ALREADY_RECORDED.format(event=event.label)})
    _check_patient_dated(patient, data["administration_date"], "administration_date")
    values = {k: data.get(k) for k in PACLITAXEL_FIELDS if k in data}
    values |= _derive_paclitaxel(patient, event.day, data)
    for text in ("status_reason", "reduction_reason"):
        values[text] = (values.get(text) or "").strip()
    record = audited_create(
        PaclitaxelAdministration(
            patient=patient, event=event, cycle=event.cycle, day=event.day, **values
        ),
        user=user,
    )
    _sync_calendar(
        patient,
        event,
        given=record.status == AdministrationStatus.GIVEN,
        when=record.administration_date,
        reason_not_given=f"{record.get_status_display()}: {record.status_reason}",
        user=user,
    )
    return record


@transaction.atomic
def paclitaxel_update(
    *,
    user,
    record: PaclitaxelAdministration,
    data: Mapping[str, Any],
    reason: str,
    expected_version: int,
) -> PaclitaxelAdministration:
    """Correct a saved dose with a reason; BSA, planned dose and hold check are recomputed."""
    merged = {k: getattr(record, k) for k in PACLITAXEL_FIELDS} | {
        k: v for k, v in data.items() if k in PACLITAXEL_FIELDS
    }
    _check_patient_dated(record.patient, merged["administration_date"], "administration_date")
    changes = {k: merged[k] for k in PACLITAXEL_FIELDS}
    changes |= _derive_paclitaxel(record.patient, record.day, merged)
    record = audited_update(
        record, user=user, reason=reason, expected_version=expected_version, changes=changes
    )
    _sync_calendar(
        record.patient,
        record.event,
        given=record.status == AdministrationStatus.GIVEN,
        when=record.administration_date,
        reason_not_given=f"{record.get_status_display()}: {record.status_reason}",
        user=user,
    )
    return record


def _validate_injection(patient: Patient, event: CalendarEvent, data: Mapping[str, Any]):
    injected_on = timezone.localtime(data["injected_at"]).date()
    _check_patient_dated(patient, injected_on, "injected_at")
    follows = PaclitaxelAdministration.objects.filter(
        patient=patient,
        event__code=protocol.PLANNED_EVENTS_BY_CODE[event.code].follows,
        status=AdministrationStatus.GIVEN,
    ).first()
    if data.get("status", InjectionStatus.GIVEN) == InjectionStatus.GIVEN:
        validators.validate_imp321_dose(
            dose_mg=data.get("dose_mg"),
            cohort_dose=protocol.cohort(patient.cohort.code).imp321_dose_mg,
            reason=data.get("dose_reason", ""),
        )
        validators.validate_follows_paclitaxel(
            paclitaxel_date=follows.administration_date if follows else None,
            injection_date=injected_on,
            confirmed_reason=data.get("no_preceding_dose_reason", ""),
        )
    elif not (data.get("status_reason") or "").strip():
        raise ValidationError({"status_reason": msg.STATUS_REASON_REQUIRED})
    return follows, injected_on


@transaction.atomic
def imp321_record(
    *, user, patient: Patient, event_code: str, data: Mapping[str, Any]
) -> Imp321Injection:
    """Record one IMP321 injection (dose pre-filled with the cohort dose by the form)."""
    event = _event(patient, event_code, protocol.IMP321)
    if Imp321Injection.objects.filter(patient=patient, event=event).exists():
        raise ValidationError({"__all__": msg.ALREADY_RECORDED.format(event=event.label)})
    follows, injected_on = _validate_injection(patient, event, data)
    values = {k: data.get(k) for k in IMP321_FIELDS if k in data}
    for text in (
        "status_reason",
        "dose_reason",
        "no_preceding_dose_reason",
        "kit_number",
        "lot_number",
        "local_reaction_details",
    ):
        values[text] = (values.get(text) or "").strip()
    if values.get("status") == InjectionStatus.NOT_DONE:
        values["dose_mg"] = None
    record = audited_create(
        Imp321Injection(
            patient=patient, event=event, injection_number=event.sequence, follows=follows, **values
        ),
        user=user,
    )
    _sync_calendar(
        patient,
        event,
        given=record.status == InjectionStatus.GIVEN,
        when=injected_on,
        reason_not_given=f"Not done: {record.status_reason}",
        user=user,
    )
    return record


@transaction.atomic
def imp321_update(
    *,
    user,
    record: Imp321Injection,
    data: Mapping[str, Any],
    reason: str,
    expected_version: int,
) -> Imp321Injection:
    merged = {k: getattr(record, k) for k in IMP321_FIELDS} | {
        k: v for k, v in data.items() if k in IMP321_FIELDS
    }
    follows, injected_on = _validate_injection(record.patient, record.event, merged)
    if merged.get("status") == InjectionStatus.NOT_DONE:
        merged["dose_mg"] = None
    record = audited_update(
        record,
        user=user,
        reason=reason,
        expected_version=expected_version,
        changes={**merged, "follows": follows},
    )
    _sync_calendar(
        record.patient,
        record.event,
        given=record.status == InjectionStatus.GIVEN,
        when=injected_on,
        reason_not_given=f"Not done: {record.status_reason}",
        user=user,
    )
    return record
