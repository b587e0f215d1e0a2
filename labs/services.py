"""Writes of lab data: laboratories, normal ranges, results, immune draws.

Every service is atomic, takes keyword arguments, runs the clinical validators and saves
through ``edc.audit.services``. Services trust their inputs' *access* (the caller fetched the
patient through a scoped selector) and enforce every clinical rule. The central-lab import
lives in ``labs.imports`` and creates each result through :func:`lab_result_create`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from edc import protocol
from edc.access.models import Site
from edc.audit.services import audited_create, audited_update
from edc.checks import enqueue_patient_check
from edc.validators import collect_errors
from patients.calendar import calendar_record_actual
from patients.models import CalendarEvent, Patient
from patients.services import consent_date_of

from . import constants as msg
from . import validators
from .catalogue import IMMUNE, analyte, analytes_for_panel
from .constants import RANGE_REQUIRED_PANELS, DrawEvent, Source
from .models import ImmuneDraw, ImportBatch, Laboratory, LabResult, ReferenceRange
from .ranges import RangeLike, judge, select_range
from .selectors import reference_range_for

# (value, unit) as entered, per analyte code.
PanelValues = Mapping[str, tuple[Decimal | str, str]]


def _require_reason(reason: str) -> str:
    if not (reason or "").strip():
        raise ValidationError({"reason": msg.REASON_REQUIRED})
    return reason.strip()


# --- Laboratories and normal ranges --------------------------------------------------------------
@transaction.atomic
def laboratory_create(*, user, site: Site, code: str, name: str) -> Laboratory:
    code = code.strip().upper()
    if Laboratory.objects.filter(code=code).exists():
        raise ValidationError({"code": msg.LAB_CODE_TAKEN})
    return audited_create(Laboratory(site=site, code=code, name=name.strip()), user=user)


def _check_range(
    *, lab: Laboratory, analyte_code: str, sex: str, effective_from: dt.date, exclude_pk=None
) -> None:
    validators.validate_analyte(analyte_code)
    clash = ReferenceRange.objects.filter(
        lab=lab, analyte=analyte_code, sex=sex, effective_from=effective_from
    ).exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"effective_from": msg.RANGE_DUPLICATE})


@transaction.atomic
def reference_range_create(
    *,
    user,
    lab: Laboratory,
    analyte: str,
    sex: str,
    low: Decimal,
    high: Decimal,
    effective_from: dt.date,
) -> ReferenceRange:
    """Add a version of a laboratory's normal range (limits in the analyte's standard unit).

    Results already entered keep the range, flag and grade they were judged with.
    """
    _check_range(lab=lab, analyte_code=analyte, sex=sex, effective_from=effective_from)
    validators.validate_range_limits(low, high)
    return audited_create(
        ReferenceRange(
            lab=lab, analyte=analyte, sex=sex, low=low, high=high, effective_from=effective_from
        ),
        user=user,
    )


@transaction.atomic
def reference_range_update(
    *,
    user,
    reference_range: ReferenceRange,
    low: Decimal,
    high: Decimal,
    effective_from: dt.date,
    reason: str,
    expected_version: int | None,
) -> ReferenceRange:
    """Correct a range typed wrongly (a new lab range is a new version: ``..._create``)."""
    reason = _require_reason(reason)
    _check_range(
        lab=reference_range.lab,
        analyte_code=reference_range.analyte,
        sex=reference_range.sex,
        effective_from=effective_from,
        exclude_pk=reference_range.pk,
    )
    validators.validate_range_limits(low, high)
    return audited_update(
        reference_range,
        user=user,
        reason=reason,
        expected_version=expected_version,
        changes={"low": low, "high": high, "effective_from": effective_from},
    )


# --- Results -------------------------------------------------------------------------------------
def _judged_fields(
    *,
    patient: Patient,
    lab: Laboratory,
    analyte_code: str,
    collected_at: dt.datetime,
    value: Decimal | str,
    unit: str,
    ranges: Sequence[RangeLike] | None,
) -> dict:
    """Converted value, range, flag and grade of one value; refuses what the protocol refuses
    (every broken rule at once: the laboratory, the collection time and the value)."""
    validators.validate_analyte(analyte_code)
    collector = collect_errors()
    collector.check(
        validators.validate_lab_serves_site,
        lab_site_id=lab.site_id,
        patient_site_id=patient.site_id,
        lab_label=lab.code,
    )
    collector.check(
        validators.validate_collected_at,
        collected_at,
        consent_date=consent_date_of(patient),
        consent_withdrawn_on=patient.consent_withdrawn_on,
    )
    converted = collector.check(validators.standard_value, analyte_code, value, unit)
    collector.raise_if_any()
    unit_label, standard = converted
    on = timezone.localdate(collected_at)
    if ranges is None:
        range_ = reference_range_for(
            lab_id=lab.pk, analyte_code=analyte_code, sex=patient.sex, on=on
        )
    else:
        range_ = select_range(
            ranges, lab_id=lab.pk, analyte_code=analyte_code, sex=patient.sex, on=on
        )
    a = analyte(analyte_code)
    if range_ is None and a.panel in RANGE_REQUIRED_PANELS:
        raise ValidationError(
            {"value": msg.NO_REFERENCE_RANGE.format(lab=lab.code, analyte=a.label, date=on)}
        )
    judgement = judge(analyte_code, standard, range_)
    number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    return {
        "original_value": f"{number:f}",
        "original_unit": unit_label,
        "standard_value": standard,
        "standard_unit": a.unit,
        "reference_range": range_,
        "normal_low": judgement.low,
        "normal_high": judgement.high,
        "flag": judgement.flag,
        "ctcae_grade": judgement.grade,
    }


def _check_natural_key(
    *, patient: Patient, lab: Laboratory, analyte_code: str, collected_at, exclude_pk=None
) -> None:
    clash = LabResult.objects.filter(
        patient=patient, lab=lab, analyte=analyte_code, collected_at=collected_at
    ).exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"collected_at": msg.RESULT_DUPLICATE})


@transaction.atomic
def lab_result_create(
    *,
    user,
    patient: Patient,
    lab: Laboratory,
    analyte: str,
    collected_at: dt.datetime,
    value: Decimal | str,
    unit: str,
    comment: str = "",
    source: str = Source.MANUAL,
    import_batch: ImportBatch | None = None,
    immune_draw: ImmuneDraw | None = None,
    ranges: Sequence[RangeLike] | None = None,
) -> LabResult:
    """Record one value: converted to the standard unit, flagged and graded as of entry.

    ``ranges`` (the lab's normal ranges) may be passed by callers recording many values;
    otherwise the range valid on the collection date is looked up.
    """
    fields = _judged_fields(
        patient=patient,
        lab=lab,
        analyte_code=analyte,
        collected_at=collected_at,
        value=value,
        unit=unit,
        ranges=ranges,
    )
    _check_natural_key(patient=patient, lab=lab, analyte_code=analyte, collected_at=collected_at)
    result = LabResult(
        patient=patient,
        lab=lab,
        analyte=analyte,
        collected_at=collected_at,
        comment=comment.strip(),
        source=source,
        import_batch=import_batch,
        immune_draw=immune_draw,
        **fields,
    )
    return audited_create(
        result,
        user=user,
        reason="Central-lab import" if source == Source.IMPORT else "Initial entry",
    )


def _panel_errors(exc: ValidationError, code: str) -> dict[str, list[str]]:
    """Re-key a single result's errors to the panel form's per-analyte fields."""
    per_analyte = {"value": f"{code}_value", "unit": f"{code}_unit", "analyte": f"{code}_value"}
    errors: dict[str, list[str]] = {}
    for field, messages in exc.message_dict.items():
        errors.setdefault(per_analyte.get(field, field), []).extend(messages)
    return errors


def _record_values(
    *,
    user,
    patient: Patient,
    lab: Laboratory,
    collected_at: dt.datetime,
    values: PanelValues,
    allowed: set[str],
    comment: str = "",
    immune_draw: ImmuneDraw | None = None,
) -> list[LabResult]:
    errors: dict[str, list[str]] = {}
    results = []
    ranges = list(ReferenceRange.objects.filter(lab=lab))
    for code, (value, unit) in values.items():
        if code not in allowed:
            errors.setdefault(f"{code}_value", []).append(
                msg.ANALYTE_NOT_IN_PANEL.format(analyte=code)
            )
            continue
        try:
            with transaction.atomic():
                results.append(
                    lab_result_create(
                        user=user,
                        patient=patient,
                        lab=lab,
                        analyte=code,
                        collected_at=collected_at,
                        value=value,
                        unit=unit,
                        comment=comment,
                        immune_draw=immune_draw,
                        ranges=ranges,
                    )
                )
        except ValidationError as exc:
            for field, messages in _panel_errors(exc, code).items():
                for message in messages:
                    if message not in errors.get(field, []):
                        errors.setdefault(field, []).append(message)
    if errors:
        raise ValidationError(errors)
    return results


@transaction.atomic
def lab_panel_record(
    *,
    user,
    patient: Patient,
    lab: Laboratory,
    panel: str,
    collected_at: dt.datetime,
    values: PanelValues,
    comment: str = "",
) -> list[LabResult]:
    """Record the values of one panel collected together; all or none are saved.

    Errors are keyed ``<ANALYTE>_value`` / ``<ANALYTE>_unit`` so the form shows each next to
    its analyte.
    """
    if not values:
        raise ValidationError({"__all__": msg.NO_VALUES})
    allowed = {a.code for a in analytes_for_panel(panel)}
    return _record_values(
        user=user,
        patient=patient,
        lab=lab,
        collected_at=collected_at,
        values=values,
        allowed=allowed,
        comment=comment,
    )


@transaction.atomic
def lab_result_update(
    *,
    user,
    result: LabResult,
    collected_at: dt.datetime,
    value: Decimal | str,
    unit: str,
    comment: str,
    reason: str,
    expected_version: int | None,
) -> LabResult:
    """Correct a value, its unit or collection time; flag and grade are recomputed.

    The laboratory and analyte identify the result and are not changed here.
    """
    reason = _require_reason(reason)
    if result.immune_draw_id and collected_at != result.immune_draw.drawn_at:
        raise ValidationError({"collected_at": msg.DRAW_TIME_FIXED})
    fields = _judged_fields(
        patient=result.patient,
        lab=result.lab,
        analyte_code=result.analyte,
        collected_at=collected_at,
        value=value,
        unit=unit,
        ranges=None,
    )
    _check_natural_key(
        patient=result.patient,
        lab=result.lab,
        analyte_code=result.analyte,
        collected_at=collected_at,
        exclude_pk=result.pk,
    )
    return audited_update(
        result,
        user=user,
        reason=reason,
        expected_version=expected_version,
        changes={"collected_at": collected_at, "comment": comment.strip(), **fields},
    )


# --- Immune-monitoring draws ------------------------------------------------------------------
def _c1d1(patient: Patient) -> dt.date | None:
    actual = (
        CalendarEvent.objects.filter(
            patient=patient, code=protocol.paclitaxel_code(1, 1), actual_date__isnull=False
        )
        .values_list("actual_date", flat=True)
        .first()
    )
    return actual or patient.c1d1_date


def _validate_draw_timing(*, patient: Patient, event_code: str, drawn_at: dt.datetime) -> None:
    if event_code not in DrawEvent.values:
        raise ValidationError({"event_code": _("Unknown draw “%(code)s”.") % {"code": event_code}})
    c1d1 = _c1d1(patient)
    if c1d1 is None:
        raise ValidationError({"__all__": msg.NOT_ENROLLED})
    validators.validate_collected_at(
        drawn_at,
        consent_date=consent_date_of(patient),
        consent_withdrawn_on=patient.consent_withdrawn_on,
        field="drawn_at",
    )
    drawn_on = timezone.localdate(drawn_at)
    if event_code == DrawEvent.BASELINE:
        validators.validate_baseline_draw(drawn_on, c1d1=c1d1)
        return
    planned = protocol.PLANNED_EVENTS_BY_CODE[event_code]
    injection_date = (
        CalendarEvent.objects.filter(patient=patient, code=planned.follows)
        .values_list("actual_date", flat=True)
        .first()
    )
    validators.validate_post_injection_draw(
        drawn_on, injection_number=planned.sequence, injection_date=injection_date
    )


def _check_sample_id(sample_id: str, exclude_pk=None) -> str:
    sample_id = sample_id.strip()
    if ImmuneDraw.objects.filter(sample_id=sample_id).exclude(pk=exclude_pk).exists():
        raise ValidationError({"sample_id": msg.SAMPLE_ID_TAKEN})
    return sample_id


@transaction.atomic
def immune_draw_record(
    *,
    user,
    patient: Patient,
    event_code: str,
    drawn_at: dt.datetime,
    sample_id: str,
    processing_minutes: int,
    lab: Laboratory,
    values: PanelValues,
    comment: str = "",
) -> ImmuneDraw:
    """Record an immune-monitoring draw with its immune-panel values, and mark the calendar.

    The draw's date becomes the actual date of its calendar event (``IMM-BL``, ``IMM-INJ6``,
    ``IMM-INJ12``). A post-injection draw outside 13 ± 2 days is recorded (the deviation rule
    reports it); one before its injection, or before the injection is recorded, is refused.
    """
    collector = collect_errors()
    collector.check(
        _validate_draw_timing, patient=patient, event_code=event_code, drawn_at=drawn_at
    )
    if ImmuneDraw.objects.filter(patient=patient, event_code=event_code).exists():
        collector.add("event_code", msg.DRAW_DUPLICATE)
    sample_id = collector.check(_check_sample_id, sample_id)
    if processing_minutes is None or processing_minutes < 0:
        collector.add("processing_minutes", msg.PROCESSING_TIME_NEGATIVE)
    collector.check(
        validators.validate_lab_serves_site,
        lab_site_id=lab.site_id,
        patient_site_id=patient.site_id,
        lab_label=lab.code,
    )
    # The values' own faults (unit, physiological limits) with the draw's, all at once.
    allowed = {a.code for a in analytes_for_panel(IMMUNE)}
    for code, (value, unit) in values.items():
        if code not in allowed:
            collector.add(f"{code}_value", msg.ANALYTE_NOT_IN_PANEL.format(analyte=code))
            continue
        collector.check(
            validators.standard_value,
            code,
            value,
            unit,
            value_field=f"{code}_value",
            unit_field=f"{code}_unit",
        )
    collector.raise_if_any()
    draw = audited_create(
        ImmuneDraw(
            patient=patient,
            event_code=event_code,
            drawn_at=drawn_at,
            sample_id=sample_id,
            processing_minutes=processing_minutes,
            lab=lab,
            comment=comment.strip(),
        ),
        user=user,
    )
    _record_values(
        user=user,
        patient=patient,
        lab=lab,
        collected_at=drawn_at,
        values=values,
        allowed=allowed,
        immune_draw=draw,
    )
    calendar_record_actual(
        patient=patient,
        code=event_code,
        actual_date=timezone.localdate(drawn_at),
        user=user,
        reason=f"Immune draw {sample_id} recorded",
    )
    # The draw date is checked against 13 ± 2 days by the deviation rules.
    enqueue_patient_check(patient.pk)
    return draw


@transaction.atomic
def immune_draw_update(
    *,
    user,
    draw: ImmuneDraw,
    drawn_at: dt.datetime,
    sample_id: str,
    processing_minutes: int,
    comment: str,
    reason: str,
    expected_version: int | None,
) -> ImmuneDraw:
    """Correct a draw; its results follow a corrected draw time, and so does the calendar."""
    reason = _require_reason(reason)
    _validate_draw_timing(patient=draw.patient, event_code=draw.event_code, drawn_at=drawn_at)
    sample_id = _check_sample_id(sample_id, exclude_pk=draw.pk)
    if processing_minutes is None or processing_minutes < 0:
        raise ValidationError({"processing_minutes": msg.PROCESSING_TIME_NEGATIVE})
    moved = drawn_at != draw.drawn_at
    draw = audited_update(
        draw,
        user=user,
        reason=reason,
        expected_version=expected_version,
        changes={
            "drawn_at": drawn_at,
            "sample_id": sample_id,
            "processing_minutes": processing_minutes,
            "comment": comment.strip(),
        },
    )
    if moved:
        for result in LabResult.objects.filter(immune_draw=draw).select_related("patient", "lab"):
            lab_result_update(
                user=user,
                result=result,
                collected_at=drawn_at,
                value=result.original_value,
                unit=result.original_unit,
                comment=result.comment,
                reason=f"Draw time corrected: {reason}",
                expected_version=None,
            )
        calendar_record_actual(
            patient=draw.patient,
            code=draw.event_code,
            actual_date=timezone.localdate(drawn_at),
            user=user,
            reason=f"Immune draw {sample_id} corrected: {reason}",
        )
        enqueue_patient_check(draw.patient_id)
    return draw
