"""Writes for paclitaxel administrations and IMP321 injections (the one write path).

Every service is atomic, checks the clinical rules (dosing.validators, dosing.rules) and
reports every broken one at once, stores the derived values shown at entry (BSA, planned dose,
hold check), saves through the audited services and records the actual date on the patient's
calendar, which shifts what follows.

Soft checks (a date outside the visit window, a weight changed by more than 10 % since the
last dose, a dose off plan, IMP321 not the day after the paclitaxel dose) refuse the save until
``data["acknowledge_warnings"]`` lists their codes; the acknowledged ones are stored with the
record (``warnings_acknowledged``, audited). A correction that leaves a warning's values
unchanged does not ask again.
"""

import datetime as dt
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from edc import protocol
from edc.audit.services import audited_create, audited_update
from edc.checks import enqueue_patient_check
from edc.validators import (
    ACKNOWLEDGE_FIELD,
    ErrorCollector,
    already_acknowledged,
    collect_errors,
    stored_acknowledgements,
)
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
    "premed_dexamethasone",
    "premed_antihistamine",
    "premed_h2_blocker",
    "premed_other",
)
# Premedication before a paclitaxel infusion, each stated yes or no (None: not yet answered).
PREMEDICATION_FIELDS = ("premed_dexamethasone", "premed_antihistamine", "premed_h2_blocker")
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


def _check_patient_dated(
    collector: ErrorCollector, patient: Patient, value: dt.date | None, field: str
) -> None:
    if patient.status not in (PatientStatus.ENROLLED, PatientStatus.OFF_STUDY) or not (
        patient.c1d1_date
    ):
        raise ValidationError({"__all__": msg.NOT_ENROLLED})
    if value is None:
        return
    collector.check(
        validate_study_date,
        value,
        field,
        consent_date=consent_date_of(patient),
        consent_withdrawn_on=patient.consent_withdrawn_on,
    )
    collector.check(validators.validate_not_before_c1d1, value, field, c1d1=patient.c1d1_date)


def _acknowledged(collector: ErrorCollector, data: Mapping[str, Any], stored: str = "") -> set:
    """Warnings the request acknowledges, plus those the record already stores unchanged."""
    codes = set(data.get(ACKNOWLEDGE_FIELD) or ())
    return codes | already_acknowledged(collector.warnings, stored)


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


def _previous_dose(
    patient: Patient, event: CalendarEvent, *, exclude_pk: int | None = None
) -> PaclitaxelAdministration | None:
    """The patient's paclitaxel record just before this cycle day (its weight is compared)."""
    return (
        PaclitaxelAdministration.objects.filter(patient=patient)
        .filter(Q(cycle__lt=event.cycle) | Q(cycle=event.cycle, day__lt=event.day))
        .exclude(pk=exclude_pk)
        .order_by("-cycle", "-day")
        .first()
    )


def _derive_paclitaxel(
    collector: ErrorCollector,
    patient: Patient,
    event: CalendarEvent,
    data: Mapping[str, Any],
    *,
    exclude_pk: int | None = None,
) -> dict[str, Any]:
    """Check a paclitaxel record's values (every rule, errors and soft checks into
    ``collector``) and compute what is stored with it."""
    status = data.get("status")
    height, weight = data.get("height_cm"), data.get("weight_kg")
    level, actual = data.get("dose_level_mg_m2"), data.get("actual_dose_mg")
    collector.check(validators.validate_weight, weight)
    collector.check(validators.validate_height, height)
    collector.check(
        validators.validate_dose_level,
        level=level,
        reduction_reason=data.get("reduction_reason", ""),
    )
    collector.check(
        validators.validate_status_reason,
        status=status,
        status_reason=data.get("status_reason", ""),
    )
    collector.check(validators.validate_actual_dose_value, status=status, actual_dose_mg=actual)
    collector.check(
        validators.validate_infusion_times,
        start=data.get("infusion_start"),
        stop=data.get("infusion_stop"),
    )
    derived: dict[str, Any] = {}
    given = status == AdministrationStatus.GIVEN
    if not collector.has_error("weight_kg", "height_cm", "dose_level_mg_m2"):
        bsa = rules.bsa_mosteller(height, weight)
        planned = rules.planned_dose_mg(bsa, level)
        derived |= {"bsa_m2": bsa, "planned_dose_mg": planned}
        if given and not collector.has_error("actual_dose_mg"):
            collector.check(
                validators.validate_actual_dose_ceiling,
                actual_dose_mg=actual,
                planned_dose_mg=planned,
            )
            if not collector.has_error("actual_dose_mg"):
                collector.warn(
                    rules.paclitaxel_off_plan_check(actual_mg=actual, planned_mg=planned)
                )
    if not collector.has_error("weight_kg"):
        previous = _previous_dose(patient, event, exclude_pk=exclude_pk)
        if previous is not None:
            collector.warn(
                rules.weight_change_check(
                    previous_kg=previous.weight_kg,
                    previous_event=f"C{previous.cycle}D{previous.day}",
                    weight_kg=weight,
                )
            )
    when = data.get("administration_date")
    if when is not None and not collector.has_error("administration_date"):
        if given:
            collector.warn(
                rules.window_check(
                    event=event.label,
                    when=when,
                    planned=event.planned_date,
                    earliest=event.earliest,
                    latest=event.latest,
                )
            )
        labs = haematology_for_dose(patient=patient, dose_date=when)
        check = rules.hold_check(day=event.day, anc=labs.get("ANC"), platelets=labs.get("PLT"))
        collector.check(
            validators.validate_hold,
            check=check,
            status=status,
            confirmed=bool(data.get("hold_override_confirmed")),
        )
        derived |= {
            "anc_at_check": _stored(labs.get("ANC"), "anc_at_check"),
            "platelets_at_check": _stored(labs.get("PLT"), "platelets_at_check"),
            # The hold criteria are met (the dose should be held) when a threshold is not
            # reached.
            "hold_criteria_met": None if check.met is None else not check.met,
        }
    return derived


def _stored(value: Decimal | None, field: str) -> Decimal | None:
    """A lab value rounded to the precision it is stored with beside the dose."""
    if value is None:
        return None
    places = PaclitaxelAdministration._meta.get_field(field).decimal_places
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _not_given_reason(record: PaclitaxelAdministration) -> str:
    """The calendar's not-done reason: stored, so in English whatever the user's language."""
    with translation.override("en"):
        return f"{record.get_status_display()}: {record.status_reason}"


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
    collector = collect_errors()
    _check_patient_dated(collector, patient, data.get("administration_date"), "administration_date")
    derived = _derive_paclitaxel(collector, patient, event, data)
    checks = collector.raise_if_any(acknowledged=_acknowledged(collector, data))
    values = {k: data.get(k) for k in PACLITAXEL_FIELDS if k in data}
    values |= derived | {"warnings_acknowledged": stored_acknowledgements(checks)}
    for text in ("status_reason", "reduction_reason", "premed_other"):
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
        reason_not_given=_not_given_reason(record),
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
    collector = collect_errors()
    _check_patient_dated(
        collector, record.patient, merged["administration_date"], "administration_date"
    )
    derived = _derive_paclitaxel(
        collector, record.patient, record.event, merged, exclude_pk=record.pk
    )
    checks = collector.raise_if_any(
        acknowledged=_acknowledged(collector, data, record.warnings_acknowledged)
    )
    changes = {k: merged[k] for k in PACLITAXEL_FIELDS}
    changes["premed_other"] = (changes.get("premed_other") or "").strip()
    changes |= derived | {"warnings_acknowledged": stored_acknowledgements(checks)}
    record = audited_update(
        record, user=user, reason=reason, expected_version=expected_version, changes=changes
    )
    _sync_calendar(
        record.patient,
        record.event,
        given=record.status == AdministrationStatus.GIVEN,
        when=record.administration_date,
        reason_not_given=_not_given_reason(record),
        user=user,
    )
    return record


def _validate_injection(
    collector: ErrorCollector, patient: Patient, event: CalendarEvent, data: Mapping[str, Any]
):
    """Check an injection (errors and soft checks into ``collector``); return what it follows
    and its local date."""
    injected_at = data.get("injected_at")
    injected_on = timezone.localtime(injected_at).date() if injected_at else None
    _check_patient_dated(collector, patient, injected_on, "injected_at")
    follows_code = protocol.PLANNED_EVENTS_BY_CODE[event.code].follows
    follows = PaclitaxelAdministration.objects.filter(
        patient=patient, event__code=follows_code, status=AdministrationStatus.GIVEN
    ).first()
    if data.get("status", InjectionStatus.GIVEN) == InjectionStatus.GIVEN:
        cohort_dose = protocol.cohort(patient.cohort.code).imp321_dose_mg
        collector.check(
            validators.validate_imp321_dose,
            dose_mg=data.get("dose_mg"),
            cohort_dose=cohort_dose,
            reason=data.get("dose_reason", ""),
        )
        if not collector.has_error("dose_mg"):
            collector.warn(
                rules.imp321_cohort_dose_check(dose_mg=data["dose_mg"], cohort_dose_mg=cohort_dose)
            )
        if injected_on is not None and not collector.has_error("injected_at"):
            paclitaxel_date = follows.administration_date if follows else None
            collector.check(
                validators.validate_follows_paclitaxel,
                paclitaxel_date=paclitaxel_date,
                injection_date=injected_on,
                confirmed_reason=data.get("no_preceding_dose_reason", ""),
            )
            collector.warn(
                rules.imp321_timing_check(
                    paclitaxel_date=paclitaxel_date,
                    injection_date=injected_on,
                    paclitaxel_event=protocol.PLANNED_EVENTS_BY_CODE[follows_code].label,
                )
            )
    elif not (data.get("status_reason") or "").strip():
        collector.add("status_reason", msg.STATUS_REASON_REQUIRED)
    return follows, injected_on


@transaction.atomic
def imp321_record(
    *, user, patient: Patient, event_code: str, data: Mapping[str, Any]
) -> Imp321Injection:
    """Record one IMP321 injection (dose pre-filled with the cohort dose by the form).

    A dose above 1.5 × the cohort dose is refused; another dose than the cohort's needs a
    reason and an acknowledged warning, as does an injection not the day after the paclitaxel
    dose.
    """
    event = _event(patient, event_code, protocol.IMP321)
    if Imp321Injection.objects.filter(patient=patient, event=event).exists():
        raise ValidationError({"__all__": msg.ALREADY_RECORDED.format(event=event.label)})
    collector = collect_errors()
    follows, injected_on = _validate_injection(collector, patient, event, data)
    checks = collector.raise_if_any(acknowledged=_acknowledged(collector, data))
    values = {k: data.get(k) for k in IMP321_FIELDS if k in data}
    values["warnings_acknowledged"] = stored_acknowledgements(checks)
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
    collector = collect_errors()
    follows, injected_on = _validate_injection(collector, record.patient, record.event, merged)
    checks = collector.raise_if_any(
        acknowledged=_acknowledged(collector, data, record.warnings_acknowledged)
    )
    if merged.get("status") == InjectionStatus.NOT_DONE:
        merged["dose_mg"] = None
    merged["warnings_acknowledged"] = stored_acknowledgements(checks)
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
