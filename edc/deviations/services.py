"""The deviation sweep and the review workflow.

``deviations_sweep`` is idempotent and set-based: for each rule, one ``find`` (a fixed number
of queries), one read of the rule's existing rows, one bulk insert of new findings and one
bulk update of withdrawn/re-opened ones — both with their history rows (django-simple-history's
bulk helpers), so the query count does not grow with the number of patients. Concurrent sweeps
are serialised by a PostgreSQL advisory lock; the unique constraint is the last guard.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from edc import protocol

from . import constants as msg
from .constants import ACTIVE, TRANSITIONS, DeviationStatus
from .models import Deviation
from .rules import RULES

SWEEP_LOCK_ID = 0x0DE7_1A7E  # pg_advisory_xact_lock key for the sweep


@dataclass
class SweepResult:
    created: int = 0
    withdrawn: int = 0
    reopened: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)


def _lock_sweep() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SWEEP_LOCK_ID])


@transaction.atomic
def deviations_sweep(
    *, patient_ids: Iterable[int] | None = None, today: dt.date | None = None, rules=RULES
) -> SweepResult:
    """Run every rule over all patients (or ``patient_ids``) and reconcile the findings."""
    _lock_sweep()
    today = today or timezone.localdate()
    now = timezone.now()
    ids = None if patient_ids is None else sorted(set(patient_ids))
    result = SweepResult()
    for rule in rules:
        findings = {
            (f.patient_id, f.subject_key): f for f in rule.find(patient_ids=ids, today=today)
        }
        existing_qs = Deviation.objects.filter(rule=rule.CODE)
        if ids is not None:
            existing_qs = existing_qs.filter(patient_id__in=ids)
        existing = {(d.patient_id, d.subject_key): d for d in existing_qs}
        new = [
            Deviation(
                patient_id=f.patient_id,
                rule=rule.CODE,
                severity=protocol.DEVIATION_SEVERITY[rule.CODE],
                subject_key=f.subject_key,
                summary=f.summary[:300],
                evidence=f.evidence,
                detected_at=now,
            )
            for key, f in findings.items()
            if key not in existing
        ]
        if new:
            bulk_create_with_history(
                new,
                Deviation,
                batch_size=500,
                default_change_reason="Detected by the deviation sweep",
            )
        changed = []
        for key, deviation in existing.items():
            if key not in findings and deviation.status in ACTIVE:
                deviation.status = DeviationStatus.WITHDRAWN
                deviation.status_comment = msg.WITHDRAWN_REASON
                deviation.status_changed_at, deviation.status_changed_by = now, None
                deviation.version += 1
                changed.append(deviation)
                result.withdrawn += 1
            elif key in findings and deviation.status == DeviationStatus.WITHDRAWN:
                deviation.status = DeviationStatus.OPEN
                deviation.status_comment = msg.REOPENED_REASON
                deviation.evidence = findings[key].evidence
                deviation.status_changed_at, deviation.status_changed_by = now, None
                deviation.version += 1
                changed.append(deviation)
                result.reopened += 1
        if changed:
            bulk_update_with_history(
                changed,
                Deviation,
                [
                    "status",
                    "status_comment",
                    "status_changed_at",
                    "status_changed_by",
                    "evidence",
                    "version",
                ],
                batch_size=500,
                default_change_reason="Deviation sweep: finding changed",
            )
        result.created += len(new)
        result.by_rule[rule.CODE] = len(findings)
    return result


@transaction.atomic
def deviation_set_status(
    *,
    deviation: Deviation,
    status: str,
    user,
    comment: str = "",
    expected_version: int | None = None,
) -> Deviation:
    """Move a deviation along TRANSITIONS (acknowledge / resolve), audited with the comment."""
    locked = Deviation.objects.select_for_update().get(pk=deviation.pk)
    if expected_version is not None and locked.version != expected_version:
        from edc.audit.exceptions import StaleVersion

        raise StaleVersion(current_version=locked.version, changes=[])
    if status not in TRANSITIONS.get(locked.status, ()):
        raise ValidationError(
            {"status": msg.ILLEGAL_TRANSITION.format(old=locked.status, new=status)}
        )
    if status == DeviationStatus.RESOLVED and not (comment or "").strip():
        raise ValidationError({"comment": msg.COMMENT_REQUIRED})
    locked.status = status
    locked.status_comment = (comment or "").strip()
    locked.status_changed_at = timezone.now()
    locked.status_changed_by = user
    locked.version += 1
    locked._history_user = user
    locked._change_reason = f"{DeviationStatus(status).label}: {locked.status_comment}".strip()
    locked.save()
    return locked


def deviation_acknowledge(*, deviation: Deviation, user, comment: str = "", **kw) -> Deviation:
    return deviation_set_status(
        deviation=deviation, status=DeviationStatus.ACKNOWLEDGED, user=user, comment=comment, **kw
    )


def deviation_resolve(*, deviation: Deviation, user, comment: str, **kw) -> Deviation:
    return deviation_set_status(
        deviation=deviation, status=DeviationStatus.RESOLVED, user=user, comment=comment, **kw
    )
