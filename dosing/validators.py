"""One validator per dosing rule, shared by the browser and the API (through the services)."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError

from edc import protocol

from . import constants as msg
from . import rules


def validate_body_measurements(*, height_cm: Decimal, weight_kg: Decimal) -> None:
    errors = {}
    low, high = protocol.WEIGHT_KG_LIMITS
    if not low <= weight_kg <= high:
        errors["weight_kg"] = msg.WEIGHT_OUT_OF_RANGE.format(low=low, high=high)
    low, high = protocol.HEIGHT_CM_LIMITS
    if not low <= height_cm <= high:
        errors["height_cm"] = msg.HEIGHT_OUT_OF_RANGE.format(low=low, high=high)
    if errors:
        raise ValidationError(errors)


def validate_dose_level(*, level: Decimal, reduction_reason: str) -> None:
    try:
        rules.validate_dose_level(level)
    except ValueError as exc:
        raise ValidationError({"dose_level_mg_m2": str(exc)}) from None
    if rules.is_reduction(level) and not (reduction_reason or "").strip():
        raise ValidationError(
            {
                "reduction_reason": msg.REDUCTION_REASON_REQUIRED.format(
                    start=protocol.PACLITAXEL_STARTING_DOSE_MG_M2
                )
            }
        )


def validate_status(
    *, status: str, status_reason: str, actual_dose_mg: Decimal | None, planned_dose_mg: Decimal
) -> None:
    if status == "given":
        if actual_dose_mg is None:
            raise ValidationError({"actual_dose_mg": msg.ACTUAL_DOSE_REQUIRED})
        if rules.dose_exceeds_maximum(actual_dose_mg, planned_dose_mg):
            raise ValidationError(
                {
                    "actual_dose_mg": msg.DOSE_ABOVE_MAXIMUM.format(
                        actual=actual_dose_mg,
                        factor=protocol.MAX_DOSE_FACTOR,
                        planned=planned_dose_mg,
                    )
                }
            )
    else:
        if not (status_reason or "").strip():
            raise ValidationError({"status_reason": msg.STATUS_REASON_REQUIRED})
        if actual_dose_mg is not None:
            raise ValidationError({"actual_dose_mg": msg.ACTUAL_DOSE_NOT_GIVEN})


def validate_infusion_times(*, start: dt.time | None, stop: dt.time | None) -> None:
    if start and stop and stop < start:
        raise ValidationError({"infusion_stop": msg.INFUSION_STOP_BEFORE_START})


def validate_not_before_c1d1(value: dt.date, field: str, *, c1d1: dt.date) -> None:
    if value < c1d1:
        raise ValidationError({field: msg.DATE_BEFORE_C1D1.format(date=c1d1)})


def validate_hold(*, check: rules.HoldCheck, status: str, confirmed: bool) -> None:
    """Giving a dose when the hold criteria are met needs an explicit confirmation."""
    if status == "given" and check.met is False and not confirmed:
        raise ValidationError(
            {
                "hold_override_confirmed": msg.HOLD_CONFIRMATION_REQUIRED.format(
                    reasons="; ".join(check.reasons)
                )
            }
        )


def validate_imp321_dose(*, dose_mg: Decimal | None, cohort_dose: Decimal, reason: str) -> None:
    if dose_mg is None or dose_mg <= 0:
        raise ValidationError({"dose_mg": msg.IMP321_DOSE_POSITIVE})
    if dose_mg != cohort_dose and not (reason or "").strip():
        raise ValidationError({"dose_reason": msg.DOSE_REASON_REQUIRED.format(dose=cohort_dose)})


def validate_follows_paclitaxel(
    *, paclitaxel_date: dt.date | None, injection_date: dt.date, confirmed_reason: str
) -> None:
    """IMP321 is given the day after the actual paclitaxel dose (+1 day tolerated)."""
    expected = injection_date - dt.timedelta(days=protocol.IMP321_DAYS_AFTER_PACLITAXEL)
    window = protocol.IMP321_WINDOW
    ok = paclitaxel_date is not None and (
        -window.before
        <= (injection_date - paclitaxel_date).days - protocol.IMP321_DAYS_AFTER_PACLITAXEL
        <= window.after
    )
    if not ok and not (confirmed_reason or "").strip():
        raise ValidationError(
            {"no_preceding_dose_reason": msg.NO_PACLITAXEL_DAY_BEFORE.format(date=expected)}
        )
