"""One validator per clinical rule of the lab data, shared by forms, API and the import.

Each raises ``django.core.exceptions.ValidationError`` keyed by the offending field, with a
message from ``labs.constants`` (or from ``labs.units`` for unit and physiological faults).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from patients.validators import validate_study_date

from . import constants as msg
from .catalogue import LabValueError, analyte
from .units import PhysiologicalLimitError, canonical_unit, check_physiological, to_standard


def validate_analyte(code: str, field: str = "analyte") -> None:
    try:
        analyte(code)
    except LabValueError as exc:
        raise ValidationError({field: str(exc)}) from None


def standard_value(
    analyte_code: str,
    value: Decimal | str,
    unit: str,
    *,
    value_field: str = "value",
    unit_field: str = "unit",
) -> tuple[str, Decimal]:
    """(canonical unit, value in the standard unit); refuses unknown units and impossible values.

    Protocol: "values outside physiological limits are refused" — a typing or unit error is
    caught here, never stored and flagged.
    """
    try:
        unit_label = canonical_unit(analyte_code, unit)
    except LabValueError as exc:
        raise ValidationError({unit_field: str(exc)}) from None
    try:
        converted = to_standard(analyte_code, value, unit_label)
        check_physiological(analyte_code, converted)
    except PhysiologicalLimitError as exc:
        raise ValidationError({value_field: str(exc)}) from None
    except LabValueError as exc:
        raise ValidationError({value_field: str(exc)}) from None
    return unit_label, converted


def validate_collected_at(
    collected_at: dt.datetime,
    *,
    consent_date: dt.date | None,
    consent_withdrawn_on: dt.date | None,
    field: str = "collected_at",
) -> None:
    """A sample is a study procedure: after consent, before any withdrawal, not in the future."""
    if collected_at > timezone.now():
        raise ValidationError({field: msg.COLLECTED_IN_FUTURE})
    validate_study_date(
        timezone.localdate(collected_at),
        field,
        consent_date=consent_date,
        consent_withdrawn_on=consent_withdrawn_on,
    )


def validate_lab_serves_site(*, lab_site_id: int, patient_site_id: int, lab_label: str) -> None:
    if lab_site_id != patient_site_id:
        raise ValidationError({"lab": msg.LAB_NOT_AT_SITE.format(lab=lab_label)})


def validate_range_limits(low: Decimal, high: Decimal) -> None:
    if low < 0 or high < 0:
        raise ValidationError({"low": msg.RANGE_NEGATIVE})
    if low > high:
        raise ValidationError({"high": msg.RANGE_LOW_ABOVE_HIGH})


def validate_baseline_draw(drawn_on: dt.date, *, c1d1: dt.date) -> None:
    """The baseline immune draw is pre-treatment: on or before cycle 1 day 1."""
    if drawn_on > c1d1:
        raise ValidationError({"drawn_at": msg.BASELINE_AFTER_C1D1.format(date=c1d1)})


def validate_post_injection_draw(
    drawn_on: dt.date, *, injection_number: int, injection_date: dt.date | None
) -> None:
    """A post-injection draw needs its injection recorded and must come after it.

    Being outside 13 ± 2 days is *not* refused: the draw happened, and the deviation rule
    ("immune draw outside 13 ± 2 days after injection 6/12") reports it.
    """
    if injection_date is None:
        raise ValidationError(
            {"event_code": msg.INJECTION_NOT_GIVEN.format(number=injection_number)}
        )
    if drawn_on <= injection_date:
        raise ValidationError(
            {
                "drawn_at": msg.DRAW_NOT_AFTER_INJECTION.format(
                    number=injection_number, date=injection_date
                )
            }
        )
