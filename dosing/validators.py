"""One validator per dosing rule, shared by the browser and the API (through the services).

Limits come from their one declaration: body measurements from ``edc.validators`` (which reads
``edc.protocol``), dose ceilings from ``dosing.rules`` (``edc.protocol.MAX_DOSE_FACTOR``).
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError

from edc import protocol
from edc.validators import HEIGHT_CM, WEIGHT_KG

from . import constants as msg
from . import rules


def validate_weight(weight_kg: Decimal | None) -> None:
    WEIGHT_KG.check(weight_kg, "weight_kg")


def validate_height(height_cm: Decimal | None) -> None:
    HEIGHT_CM.check(height_cm, "height_cm")


def validate_body_measurements(*, height_cm: Decimal, weight_kg: Decimal) -> None:
    errors = {}
    for validate, value, field in (
        (validate_weight, weight_kg, "weight_kg"),
        (validate_height, height_cm, "height_cm"),
    ):
        try:
            validate(value)
        except ValidationError as exc:
            errors[field] = exc.message_dict[field]
    if errors:
        raise ValidationError(errors)


def validate_dose_level(*, level: Decimal, reduction_reason: str) -> None:
    try:
        rules.validate_dose_level(level)
    except (ValueError, TypeError):
        allowed = ", ".join(str(x) for x in protocol.PACLITAXEL_DOSE_LEVELS_MG_M2)
        raise ValidationError(
            {
                "dose_level_mg_m2": rules.MSG_DOSE_LEVEL_NOT_IN_PROTOCOL.format(
                    level=level, allowed=allowed
                )
            }
        ) from None
    if rules.is_reduction(level) and not (reduction_reason or "").strip():
        raise ValidationError(
            {
                "reduction_reason": msg.REDUCTION_REASON_REQUIRED.format(
                    start=protocol.PACLITAXEL_STARTING_DOSE_MG_M2
                )
            }
        )


def validate_actual_dose_value(*, status: str, actual_dose_mg: Decimal | None) -> None:
    """The actual dose, as a value: given → a positive dose; held / not done → none."""
    if status == "given":
        if actual_dose_mg is None:
            raise ValidationError({"actual_dose_mg": msg.ACTUAL_DOSE_REQUIRED})
        if actual_dose_mg <= 0:
            raise ValidationError({"actual_dose_mg": msg.ACTUAL_DOSE_POSITIVE})
    elif actual_dose_mg is not None:
        raise ValidationError({"actual_dose_mg": msg.ACTUAL_DOSE_NOT_GIVEN})


def validate_actual_dose_ceiling(*, actual_dose_mg: Decimal, planned_dose_mg: Decimal) -> None:
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


def validate_status_reason(*, status: str, status_reason: str) -> None:
    if status != "given" and not (status_reason or "").strip():
        raise ValidationError({"status_reason": msg.STATUS_REASON_REQUIRED})


def validate_status(
    *, status: str, status_reason: str, actual_dose_mg: Decimal | None, planned_dose_mg: Decimal
) -> None:
    """Status, its reason and the actual dose together (every broken rule at once)."""
    errors: dict[str, list[str]] = {}
    checks = [
        lambda: validate_status_reason(status=status, status_reason=status_reason),
        lambda: validate_actual_dose_value(status=status, actual_dose_mg=actual_dose_mg),
    ]
    for check in checks:
        try:
            check()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if status == "given" and "actual_dose_mg" not in errors:
        try:
            validate_actual_dose_ceiling(
                actual_dose_mg=actual_dose_mg, planned_dose_mg=planned_dose_mg
            )
        except ValidationError as exc:
            errors.setdefault("actual_dose_mg", []).extend(exc.message_dict["actual_dose_mg"])
    if errors:
        raise ValidationError(errors)


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


def validate_imp321_dose_value(dose_mg: Decimal | None, *, cohort_dose: Decimal) -> None:
    """A positive dose, at most 1.5 × the cohort dose (625 mg for 6.25 mg is refused)."""
    if dose_mg is None or dose_mg <= 0:
        raise ValidationError({"dose_mg": msg.IMP321_DOSE_POSITIVE})
    if rules.imp321_dose_exceeds_maximum(dose_mg, cohort_dose):
        raise ValidationError(
            {
                "dose_mg": msg.IMP321_DOSE_ABOVE_MAXIMUM.format(
                    dose=f"{Decimal(dose_mg).normalize():f}",
                    factor=protocol.MAX_DOSE_FACTOR,
                    cohort=cohort_dose,
                    ceiling=rules.imp321_dose_ceiling_mg(cohort_dose).normalize(),
                )
            }
        )


def validate_imp321_dose(*, dose_mg: Decimal | None, cohort_dose: Decimal, reason: str) -> None:
    """The dose's value (above); another dose than the cohort's needs a reason (and a
    confirmation: ``rules.imp321_cohort_dose_check``)."""
    validate_imp321_dose_value(dose_mg, cohort_dose=cohort_dose)
    if dose_mg != cohort_dose and not (reason or "").strip():
        raise ValidationError({"dose_reason": msg.DOSE_REASON_REQUIRED.format(dose=cohort_dose)})


def validate_follows_paclitaxel(
    *, paclitaxel_date: dt.date | None, injection_date: dt.date, confirmed_reason: str
) -> None:
    """IMP321 is given the day after the actual paclitaxel dose (+1 day tolerated); otherwise
    the injection needs a reason (and a confirmation: ``rules.imp321_timing_check``)."""
    if rules.injection_follows_paclitaxel(paclitaxel_date, injection_date):
        return
    if not (confirmed_reason or "").strip():
        raise ValidationError({"no_preceding_dose_reason": msg.NO_PRECEDING_REASON_REQUIRED})
