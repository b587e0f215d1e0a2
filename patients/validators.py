"""One validator per clinical rule, shared by the browser forms and the API (via services).

Each raises ``django.core.exceptions.ValidationError`` keyed by the offending field, with a
message constant from ``constants`` that tests import.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format

from edc import protocol

from . import constants as msg
from .constants import PriorTherapyType, TherapySetting


def today() -> dt.date:
    return timezone.localdate()


def validate_not_future(value: dt.date | None, field: str) -> None:
    if value and value > today():
        raise ValidationError({field: msg.DATE_IN_FUTURE})


def validate_year_of_birth(year: int, *, screening_date: dt.date | None = None) -> None:
    current = today().year
    if year > current:
        raise ValidationError({"year_of_birth": msg.YEAR_OF_BIRTH_FUTURE})
    if year < current - 110:
        raise ValidationError({"year_of_birth": msg.YEAR_OF_BIRTH_IMPLAUSIBLE})


def validate_consent_date(
    consent_date: dt.date, *, enrolled_on: dt.date | None, first_procedure: dt.date | None
) -> None:
    validate_not_future(consent_date, "consent_date")
    if enrolled_on and consent_date > enrolled_on:
        raise ValidationError({"consent_date": msg.CONSENT_AFTER_ENROLMENT})
    if first_procedure and consent_date > first_procedure:
        raise ValidationError({"consent_date": msg.CONSENT_BEFORE_PROCEDURE})


def validate_study_date(
    value: dt.date,
    field: str,
    *,
    consent_date: dt.date | None,
    consent_withdrawn_on: dt.date | None,
) -> None:
    """Every dated study procedure: not in the future, not before consent, not after withdrawal."""
    validate_not_future(value, field)
    if consent_date is None:
        raise ValidationError({field: msg.NO_CONSENT})
    if value < consent_date:
        raise ValidationError({field: msg.CONSENT_BEFORE_PROCEDURE})
    if consent_withdrawn_on and value > consent_withdrawn_on:
        raise ValidationError({field: msg.AFTER_WITHDRAWAL.format(date=consent_withdrawn_on)})


def validate_criterion_answer(
    code: str,
    answer: bool,
    *,
    year_of_birth: int,
    sex: str,
    source_date: dt.date,
    prior_metastatic_chemo: bool = False,
) -> None:
    """Answers that contradict the registry data are refused (IN01: female, aged >= 18), and
    "no prior chemotherapy for metastatic disease" when the prior cancer therapy records one."""
    if code == protocol.NO_PRIOR_METASTATIC_CHEMO_CRITERION and answer and prior_metastatic_chemo:
        raise ValidationError({code: msg.PRIOR_METASTATIC_CHEMO_ANSWER})
    if code == "IN01" and answer:
        if sex != "F":
            raise ValidationError({code: msg.MALE_NOT_ELIGIBLE})
        # Only the year of birth is collected: refuse when the patient cannot yet be 18.
        if source_date.year - year_of_birth < protocol.MIN_AGE_YEARS:
            raise ValidationError({code: msg.UNDER_AGE})


def validate_c1d1(c1d1: dt.date, *, enrolled_on: dt.date, screening_date: dt.date) -> None:
    if c1d1 < enrolled_on:
        raise ValidationError({"c1d1_date": msg.C1D1_BEFORE_ENROLMENT})
    if (c1d1 - screening_date).days > protocol.SCREENING_WINDOW_DAYS:
        raise ValidationError(
            {
                "c1d1_date": msg.C1D1_AFTER_SCREENING_WINDOW.format(
                    days=protocol.SCREENING_WINDOW_DAYS
                )
            }
        )


def validate_before_screening(
    value: dt.date, field: str, *, screening_date: dt.date, message: str
) -> None:
    """Medical history and prior therapy began before the patient was screened."""
    if value > screening_date:
        raise ValidationError({field: message.format(date=date_format(screening_date))})


def validate_end_not_before_start(start: dt.date | None, end: dt.date | None) -> None:
    if start is not None and end is not None and end < start:
        raise ValidationError({"end_date": msg.END_BEFORE_START})


def validate_ongoing_end(*, ongoing: bool | None, end_date: dt.date | None) -> None:
    """An ongoing condition has no end date; one that is not ongoing has one."""
    if ongoing is True and end_date is not None:
        raise ValidationError({"end_date": msg.END_DATE_WHEN_ONGOING})
    if ongoing is False and end_date is None:
        raise ValidationError({"end_date": msg.END_DATE_REQUIRED})


_CHEMO_BEFORE_METASTASES = {PriorTherapyType.ADJUVANT_CHEMO, PriorTherapyType.NEOADJUVANT_CHEMO}


def validate_therapy_setting(*, therapy_type: str, setting: str, description: str) -> None:
    """A chemotherapy for metastatic disease is recorded as such (eligibility reads it)."""
    if (
        therapy_type == PriorTherapyType.METASTATIC_CHEMO
        and setting
        and (setting != TherapySetting.METASTATIC)
    ):
        raise ValidationError({"setting": msg.METASTATIC_CHEMO_SETTING})
    if therapy_type in _CHEMO_BEFORE_METASTASES and setting == TherapySetting.METASTATIC:
        raise ValidationError({"therapy_type": msg.CHEMO_FOR_METASTASES_IS_ITS_OWN_TYPE})
    if therapy_type == PriorTherapyType.OTHER and not description.strip():
        raise ValidationError({"description": msg.THERAPY_DESCRIPTION_REQUIRED})
