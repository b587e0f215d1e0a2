"""Writes for the patient registry. Each service is atomic, validates, and saves audited rows.

Services trust their inputs' *access* (the caller fetched the patient through a scoped
selector); they enforce every clinical rule.
"""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from edc import protocol
from edc.access.models import Site
from edc.audit.exceptions import StaleVersion
from edc.audit.services import audited_create, audited_update, changes_since
from edc.checks import enqueue_patient_check
from edc.validators import collect_errors

from . import calendar, terms, validators
from . import constants as msg
from .constants import EndReason, PatientStatus, PriorTherapyType, english_label
from .eligibility import EligibilityResult, evaluate
from .models import (
    STATUS_REFUSED,
    STATUS_TRANSITIONS,
    Cohort,
    Consent,
    EligibilityAnswer,
    MedicalHistory,
    Patient,
    PriorTherapy,
)


def patient_status_check(patient: Patient, status: str) -> None:
    """Refuse a status move the transition map (``STATUS_TRANSITIONS``) does not allow."""
    if status not in STATUS_TRANSITIONS[patient.status]:
        raise ValidationError({"__all__": STATUS_REFUSED[status]})


@transaction.atomic
def patient_set_status(
    *, user, patient: Patient, status: str, reason: str, changes: Mapping | None = None
) -> Patient:
    """The one way a patient's status changes: the row is locked, the move checked against
    ``STATUS_TRANSITIONS`` and saved audited with ``reason``, with the ``changes`` that go
    with it (enrolment data, end-of-study date and reason…)."""
    locked = Patient.objects.select_for_update().get(pk=patient.pk)
    patient_status_check(locked, status)
    return audited_update(
        locked,
        user=user,
        reason=reason,
        expected_version=None,
        changes={**(changes or {}), "status": status},
    )


def _require_reason(reason: str, field: str, message: str) -> str:
    if not (reason or "").strip():
        raise ValidationError({field: message})
    return reason.strip()


@transaction.atomic
def patient_screen(
    *,
    user,
    site: Site,
    screening_number: str,
    screening_date: dt.date,
    year_of_birth: int,
    sex: str,
) -> Patient:
    validators.validate_not_future(screening_date, "screening_date")
    validators.validate_year_of_birth(year_of_birth, screening_date=screening_date)
    if Patient.objects.filter(site=site, screening_number=screening_number).exists():
        raise ValidationError({"screening_number": msg.SCREENING_NUMBER_TAKEN})
    patient = Patient(
        site=site,
        screening_number=screening_number.strip(),
        screening_date=screening_date,
        year_of_birth=year_of_birth,
        sex=sex,
    )
    return audited_create(patient, user=user)


def consent_date_of(patient: Patient) -> dt.date | None:
    consent = patient.consents.order_by("consent_date").first()
    return consent.consent_date if consent else None


@transaction.atomic
def consent_record(*, user, patient: Patient, consent_date: dt.date, form_version: str) -> Consent:
    first_procedure = min(patient.eligibility.values_list("source_date", flat=True), default=None)
    validators.validate_consent_date(
        consent_date, enrolled_on=patient.enrolled_on, first_procedure=first_procedure
    )
    return audited_create(
        Consent(patient=patient, consent_date=consent_date, form_version=form_version.strip()),
        user=user,
    )


@transaction.atomic
def eligibility_record(
    *,
    user,
    patient: Patient,
    answers: Mapping[str, bool],
    source_date: dt.date,
    reason: str = "",
) -> EligibilityResult:
    """Record (or correct, with a reason) the answer to each criterion; returns the verdict."""
    if patient.status != PatientStatus.SCREENING:
        raise ValidationError({"__all__": msg.NOT_IN_SCREENING})
    validators.validate_study_date(
        source_date,
        "source_date",
        consent_date=consent_date_of(patient),
        consent_withdrawn_on=patient.consent_withdrawn_on,
    )
    errors: dict[str, list[str]] = {}
    prior_metastatic_chemo = has_prior_metastatic_chemo(patient)
    for code, answer in answers.items():
        if code not in protocol.CRITERIA_BY_CODE:
            errors.setdefault(code, []).append(
                gettext("Unknown criterion %(code)s.") % {"code": code}
            )
            continue
        try:
            validators.validate_criterion_answer(
                code,
                answer,
                year_of_birth=patient.year_of_birth,
                sex=patient.sex,
                source_date=source_date,
                prior_metastatic_chemo=prior_metastatic_chemo,
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    existing = {a.criterion: a for a in patient.eligibility.all()}
    for code, answer in answers.items():
        row = existing.get(code)
        if row is None:
            audited_create(
                EligibilityAnswer(
                    patient=patient, criterion=code, answer=answer, source_date=source_date
                ),
                user=user,
            )
        elif row.answer != answer or row.source_date != source_date:
            audited_update(
                row,
                user=user,
                reason=reason,
                expected_version=None,
                changes={"answer": answer, "source_date": source_date},
            )
    return eligibility_of(patient)


def has_prior_metastatic_chemo(patient: Patient) -> bool:
    """Is a prior chemotherapy for metastatic disease recorded? (No query when the patient was
    read with it, as ``selectors.patient_casebook`` does.)"""
    annotated = getattr(patient, "prior_metastatic_chemo", None)
    if annotated is not None:
        return annotated
    return patient.prior_therapies.filter(therapy_type=PriorTherapyType.METASTATIC_CHEMO).exists()


def eligibility_of(patient: Patient) -> EligibilityResult:
    """The verdict from the answers and the prior cancer therapy recorded."""
    return evaluate(
        {a.criterion: a.answer for a in patient.eligibility.all()},
        prior_metastatic_chemo=has_prior_metastatic_chemo(patient),
    )


@transaction.atomic
def patient_screen_fail(*, user, patient: Patient, reason: str) -> Patient:
    reason = _require_reason(reason, "screen_failure_reason", msg.SCREEN_FAIL_REASON_REQUIRED)
    return patient_set_status(
        user=user,
        patient=patient,
        status=PatientStatus.SCREEN_FAILED,
        reason=f"Screen failure: {reason}",
        changes={"screen_failure_reason": reason},
    )


@transaction.atomic
def patient_enrol(
    *,
    user,
    patient: Patient,
    enrolled_on: dt.date,
    c1d1_date: dt.date,
    waiver_reason: str = "",
) -> Patient:
    """Enrol an eligible (or explicitly waived) patient into the open cohort.

    Concurrency: the open cohort row and the site row are locked (SELECT … FOR UPDATE) before
    counting, so two simultaneous enrolments into the last slot serialise and exactly one wins;
    the site's subject sequence only ever increases, so a subject ID is never reused.
    """
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if patient.subject_id:
        raise ValidationError({"__all__": msg.ALREADY_ENROLLED})
    patient_status_check(patient, PatientStatus.ENROLLED)
    consent_date = consent_date_of(patient)
    if consent_date is None:
        raise ValidationError({"__all__": msg.NO_CONSENT})
    validators.validate_not_future(enrolled_on, "enrolled_on")
    if consent_date > enrolled_on:
        raise ValidationError({"enrolled_on": msg.CONSENT_AFTER_ENROLMENT})
    if enrolled_on < patient.screening_date:
        raise ValidationError({"enrolled_on": msg.BEFORE_SCREENING})
    validators.validate_c1d1(
        c1d1_date, enrolled_on=enrolled_on, screening_date=patient.screening_date
    )
    result = eligibility_of(patient)
    if not result.complete:
        raise ValidationError(
            {
                "__all__": msg.ELIGIBILITY_INCOMPLETE.format(
                    criteria=", ".join(c.code for c in result.missing)
                )
            }
        )
    waiver_reason = (waiver_reason or "").strip()
    if not result.eligible and not waiver_reason:
        raise ValidationError(
            {"waiver_reason": msg.NOT_ELIGIBLE.format(criteria=result.unmet_text())}
        )
    cohort = Cohort.objects.select_for_update().filter(is_open=True).order_by("code").first()
    if cohort is None:
        raise ValidationError({"__all__": msg.NO_OPEN_COHORT})
    capacity = cohort.declaration.capacity
    if Patient.objects.filter(cohort=cohort).count() >= capacity:
        raise ValidationError(
            {"__all__": msg.COHORT_FULL.format(cohort=cohort.declaration.title, capacity=capacity)}
        )
    site = Site.objects.select_for_update().get(pk=patient.site_id)
    subject_id = f"{site.code}-{site.next_subject_seq:03d}"
    site.next_subject_seq += 1
    site._history_user = user
    site._change_reason = f"Subject ID {subject_id} assigned"
    site.save(update_fields=["next_subject_seq"])
    reason = "Enrolment" + (f" under eligibility waiver: {waiver_reason}" if waiver_reason else "")
    patient = patient_set_status(
        user=user,
        patient=patient,
        status=PatientStatus.ENROLLED,
        reason=reason,
        changes={
            "subject_id": subject_id,
            "cohort": cohort,
            "enrolled_on": enrolled_on,
            "c1d1_date": c1d1_date,
            "eligibility_waiver": waiver_reason,
        },
    )
    calendar.calendar_generate(patient=patient, user=user)
    enqueue_patient_check(patient.pk)
    return patient


@transaction.atomic
def cohort_open(*, user, code: str, reason: str) -> Cohort:
    """Open a dose cohort (closing the others): the next enrolments go to it."""
    reason = _require_reason(reason, "reason", gettext("Opening a cohort needs a reason."))
    target = Cohort.objects.select_for_update().get(code=code)
    for other in Cohort.objects.select_for_update().filter(is_open=True).exclude(pk=target.pk):
        audited_update(
            other,
            user=user,
            reason=f"Closed: {reason}",
            expected_version=None,
            changes={"is_open": False},
        )
    if not target.is_open:
        target = audited_update(
            target,
            user=user,
            reason=reason,
            expected_version=None,
            changes={"is_open": True, "opened_at": timezone.now()},
        )
    return target


def cohorts_ensure() -> None:
    """Create the cohort rows the protocol declares (idempotent); the first opens."""
    for declared in protocol.COHORTS:
        if not Cohort.objects.filter(code=declared.code).exists():
            audited_create(
                Cohort(code=declared.code, is_open=declared.order == 1, opened_at=None),
                user=None,
                reason="Declared by the protocol",
            )


@transaction.atomic
def patient_end_study(
    *,
    user,
    patient: Patient,
    end_date: dt.date,
    reason_code: str,
    consent_withdrawn: bool = False,
) -> Patient:
    """End treatment and study participation. Withdrawal of consent freezes later data."""
    patient_status_check(patient, PatientStatus.OFF_STUDY)
    if reason_code not in EndReason.values:
        raise ValidationError({"reason_code": gettext("Choose a reason for the end of study.")})
    validators.validate_not_future(end_date, "end_date")
    if patient.enrolled_on and end_date < patient.enrolled_on:
        raise ValidationError({"end_date": msg.END_DATE_BEFORE_ENROLMENT})
    changes = {
        "end_of_study_date": end_date,
        "end_of_study_reason": reason_code,
    }
    if not patient.end_of_treatment_date:
        changes |= {"end_of_treatment_date": end_date, "end_of_treatment_reason": reason_code}
    if consent_withdrawn or reason_code == EndReason.WITHDRAWAL:
        changes["consent_withdrawn_on"] = end_date
    label = english_label(EndReason(reason_code))  # stored in the audit trail: English
    patient = patient_set_status(
        user=user,
        patient=patient,
        status=PatientStatus.OFF_STUDY,
        reason=f"End of study: {label}",
        changes=changes,
    )
    calendar.calendar_cancel_remaining(
        patient=patient, after=end_date, reason=f"End of study: {label}", user=user
    )
    enqueue_patient_check(patient.pk)
    return patient


# Reasons after which tumour assessments continue (every 8 weeks until progression).
FOLLOW_UP_CONTINUES = frozenset({EndReason.TOXICITY, EndReason.INVESTIGATOR, EndReason.COMPLETED})


@transaction.atomic
def patient_end_treatment(
    *, user, patient: Patient, end_date: dt.date, reason_code: str
) -> Patient:
    """End of treatment: remaining doses and draws are cancelled with the reason.

    After toxicity or an investigator decision tumour assessments continue until progression;
    after progression, withdrawal or death they are cancelled too.
    """
    if patient.status != PatientStatus.ENROLLED:
        raise ValidationError({"__all__": msg.NOT_ON_TREATMENT})
    if patient.end_of_treatment_date:
        raise ValidationError({"__all__": msg.ALREADY_OFF_TREATMENT})
    if reason_code not in EndReason.values:
        raise ValidationError({"reason_code": gettext("Choose a reason for the end of treatment.")})
    validators.validate_not_future(end_date, "end_date")
    if end_date < patient.c1d1_date:
        raise ValidationError({"end_date": msg.END_DATE_BEFORE_ENROLMENT})
    label = english_label(EndReason(reason_code))  # stored in the audit trail: English
    patient = audited_update(
        patient,
        user=user,
        reason=f"End of treatment: {label}",
        expected_version=None,
        changes={"end_of_treatment_date": end_date, "end_of_treatment_reason": reason_code},
    )
    kinds = (
        (protocol.PACLITAXEL, protocol.IMP321, protocol.IMMUNE)
        if reason_code in FOLLOW_UP_CONTINUES
        else None
    )
    calendar.calendar_cancel_remaining(
        patient=patient,
        after=end_date,
        reason=f"End of treatment: {label}",
        user=user,
        kinds=kinds,
    )
    enqueue_patient_check(patient.pk)
    return patient


@transaction.atomic
def patient_update(
    *, user, patient: Patient, data: Mapping, reason: str, expected_version: int
) -> Patient:
    """Correct registry data (screening date, year of birth, sex) with a reason."""
    allowed = {"screening_date", "year_of_birth", "sex", "screening_number"}
    changes = {k: v for k, v in data.items() if k in allowed}
    if "screening_date" in changes:
        validators.validate_not_future(changes["screening_date"], "screening_date")
    if "year_of_birth" in changes:
        validators.validate_year_of_birth(changes["year_of_birth"])
    return audited_update(
        patient, user=user, reason=reason, expected_version=expected_version, changes=changes
    )


class _DryRun(Exception):
    """Raised to roll back a dry run of ``protocol_apply`` after computing its changes."""


def protocol_apply(*, user, reason: str, dry_run: bool = False) -> list[calendar.CalendarChange]:
    """Apply ``edc/protocol.py`` to every enrolled patient's stored calendar (an amendment).

    One transaction: all patients or none. ``dry_run`` computes the same changes and rolls
    them back. Each changed patient gets its deviation check (windows may have moved).
    """
    if not (reason or "").strip():
        raise ValidationError({"reason": gettext("Give the reason for applying the amendment.")})
    changes: list[calendar.CalendarChange] = []
    try:
        with transaction.atomic():
            patients = Patient.objects.filter(c1d1_date__isnull=False).order_by("subject_id")
            for patient in patients:
                found = calendar.calendar_apply_protocol(patient=patient, user=user, reason=reason)
                if found:
                    changes.extend(found)
                    enqueue_patient_check(patient.pk)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return changes


# --- Medical history and prior cancer therapy ----------------------------------------------------
MEDICAL_HISTORY_FIELDS = ("condition", "meddra_code", "start_date", "ongoing", "end_date")
PRIOR_THERAPY_FIELDS = ("therapy_type", "setting", "start_date", "end_date", "description")


def _require_edit_reason(reason: str) -> str:
    return _require_reason(reason, "reason", gettext("Give the reason for the change."))


def _lock(instance, expected_version: int | None):
    """The row, locked; a stale version is refused (with what changed meanwhile) before any
    rule is checked."""
    locked = type(instance).objects.select_for_update().get(pk=instance.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(
            current_version=locked.version, changes=changes_since(locked, expected_version)
        )
    return locked


def _clean_medical_history(*, patient: Patient, values: Mapping[str, Any]) -> dict:
    """Every medical-history rule at once; the values to save (the MedDRA term looked up)."""
    collector = collect_errors()
    condition = (values.get("condition") or "").strip()
    if not condition:
        collector.add("condition", msg.CONDITION_REQUIRED)
    code = str(values.get("meddra_code") or "").strip()
    term = terms.term_by_code(code) if code else None
    if code and term is None:
        collector.add("meddra_code", msg.UNKNOWN_MEDDRA_TERM)
    start, end, ongoing = values.get("start_date"), values.get("end_date"), values.get("ongoing")
    if start is None:
        collector.add("start_date", msg.START_DATE_REQUIRED)
    else:
        collector.check(validators.validate_not_future, start, "start_date")
        collector.check(
            validators.validate_before_screening,
            start,
            "start_date",
            screening_date=patient.screening_date,
            message=msg.HISTORY_AFTER_SCREENING,
        )
    if ongoing is None:
        collector.add("ongoing", msg.ONGOING_REQUIRED)
    collector.check(validators.validate_ongoing_end, ongoing=ongoing, end_date=end)
    if end is not None:
        collector.check(validators.validate_not_future, end, "end_date")
        collector.check(validators.validate_end_not_before_start, start, end)
    collector.raise_if_any()
    return {
        "condition": condition,
        "meddra_code": code,
        "meddra_term": term["term"] if term else "",
        "start_date": start,
        "ongoing": bool(ongoing),
        "end_date": end,
    }


@transaction.atomic
def medical_history_create(
    *,
    user,
    patient: Patient,
    condition: str,
    start_date: dt.date | None,
    ongoing: bool | None,
    end_date: dt.date | None = None,
    meddra_code: str = "",
) -> MedicalHistory:
    """Record a condition of the medical history (at screening)."""
    values = {
        "condition": condition,
        "meddra_code": meddra_code,
        "start_date": start_date,
        "ongoing": ongoing,
        "end_date": end_date,
    }
    cleaned = _clean_medical_history(patient=patient, values=values)
    return audited_create(MedicalHistory(patient=patient, **cleaned), user=user)


@transaction.atomic
def medical_history_update(
    *,
    user,
    record: MedicalHistory,
    changes: Mapping[str, Any],
    reason: str,
    expected_version: int | None,
) -> MedicalHistory:
    """Correct a medical-history condition with a reason (the version the user opened)."""
    reason = _require_edit_reason(reason)
    locked = _lock(record, expected_version)
    values = {f: getattr(locked, f) for f in MEDICAL_HISTORY_FIELDS}
    values.update({k: v for k, v in changes.items() if k in MEDICAL_HISTORY_FIELDS})
    cleaned = _clean_medical_history(patient=locked.patient, values=values)
    return audited_update(
        locked, user=user, reason=reason, expected_version=expected_version, changes=cleaned
    )


def _clean_prior_therapy(*, patient: Patient, values: Mapping[str, Any]) -> dict:
    collector = collect_errors()
    kind, setting = values.get("therapy_type") or "", values.get("setting") or ""
    start, end = values.get("start_date"), values.get("end_date")
    description = (values.get("description") or "").strip()
    if not kind:
        collector.add("therapy_type", msg.THERAPY_TYPE_REQUIRED)
    if not setting:
        collector.add("setting", msg.THERAPY_SETTING_REQUIRED)
    collector.check(
        validators.validate_therapy_setting,
        therapy_type=kind,
        setting=setting,
        description=description,
    )
    if start is None:
        collector.add("start_date", msg.START_DATE_REQUIRED)
    else:
        collector.check(validators.validate_not_future, start, "start_date")
        collector.check(
            validators.validate_before_screening,
            start,
            "start_date",
            screening_date=patient.screening_date,
            message=msg.THERAPY_AFTER_SCREENING,
        )
    if end is not None:
        collector.check(validators.validate_not_future, end, "end_date")
        collector.check(validators.validate_end_not_before_start, start, end)
    collector.raise_if_any()
    return {
        "therapy_type": kind,
        "setting": setting,
        "start_date": start,
        "end_date": end,
        "description": description,
    }


@transaction.atomic
def prior_therapy_create(
    *,
    user,
    patient: Patient,
    therapy_type: str,
    setting: str,
    start_date: dt.date | None,
    end_date: dt.date | None = None,
    description: str = "",
) -> PriorTherapy:
    """Record a prior cancer therapy (a chemotherapy for metastatic disease makes the patient
    ineligible: ``eligibility_of``)."""
    values = {
        "therapy_type": therapy_type,
        "setting": setting,
        "start_date": start_date,
        "end_date": end_date,
        "description": description,
    }
    cleaned = _clean_prior_therapy(patient=patient, values=values)
    return audited_create(PriorTherapy(patient=patient, **cleaned), user=user)


@transaction.atomic
def prior_therapy_update(
    *,
    user,
    record: PriorTherapy,
    changes: Mapping[str, Any],
    reason: str,
    expected_version: int | None,
) -> PriorTherapy:
    """Correct a prior cancer therapy with a reason (the version the user opened)."""
    reason = _require_edit_reason(reason)
    locked = _lock(record, expected_version)
    values = {f: getattr(locked, f) for f in PRIOR_THERAPY_FIELDS}
    values.update({k: v for k, v in changes.items() if k in PRIOR_THERAPY_FIELDS})
    cleaned = _clean_prior_therapy(patient=locked.patient, values=values)
    return audited_update(
        locked, user=user, reason=reason, expected_version=expected_version, changes=cleaned
    )
