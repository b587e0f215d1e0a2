"""What every assessments service shares: the reason for change, the row lock with its stale
version check, the study-date check and the whole-record update."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from edc.audit.exceptions import ReasonRequired, StaleVersion
from edc.audit.models import AuditedModel
from edc.audit.services import audited_update, changes_since
from edc.checks import enqueue_patient_check
from patients.models import Patient
from patients.services import consent_date_of
from patients.validators import validate_study_date

from ..validators import ErrorCollector


def require_reason(reason: str) -> str:
    if not (reason or "").strip():
        raise ReasonRequired()
    return reason.strip()


def lock(
    instance: AuditedModel,
    expected_version: int | None,
    *,
    also_changed: Callable[[AuditedModel, int], list[dict]] | None = None,
):
    """Lock the row and refuse a stale version before anything else is checked or written.

    The refusal lists what changed meanwhile; ``also_changed(locked, version)`` adds the changes
    of rows that belong to the record (a tumour assessment's lesions and measurements), so a
    change to a diameter alone is listed too.
    """
    locked = type(instance).objects.select_for_update().get(pk=instance.pk)
    if expected_version is not None and locked.version != expected_version:
        changes = changes_since(locked, expected_version)
        if also_changed is not None:
            changes = sorted(
                changes + also_changed(locked, expected_version),
                key=lambda change: change["at"],
            )
        raise StaleVersion(current_version=locked.version, changes=changes)
    return locked


def check_study_date(
    collector: ErrorCollector, value: dt.date | None, field: str, *, patient: Patient
) -> None:
    if value is not None:
        collector.check(
            validate_study_date,
            value,
            field,
            consent_date=consent_date_of(patient),
            consent_withdrawn_on=patient.consent_withdrawn_on,
        )


def update_whole_record(
    record, *, fields, clean, user, changes: Mapping[str, Any], reason: str, expected_version
):
    """Lock ``record``, re-validate all of ``fields`` with ``changes`` applied (cross-field
    rules see the whole record), save the cleaned values audited, then re-check the patient."""
    reason = require_reason(reason)
    locked = lock(record, expected_version)
    values = {field: getattr(locked, field) for field in fields}
    values.update({k: v for k, v in changes.items() if k in fields})
    cleaned = clean(locked, values)
    updated = audited_update(
        locked, user=user, reason=reason, expected_version=expected_version, changes=cleaned
    )
    enqueue_patient_check(updated.patient_id)
    return updated
