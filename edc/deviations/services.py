"""The deviation sweep and the review workflow.

``deviations_sweep`` is idempotent and set-based: each rule's ``find`` runs a fixed number of
queries, then the findings of every rule are reconciled with the table in SQL (issue 24),
whatever the number of patients or findings:

* one query reads the natural keys (patient, rule, subject), id and status of the swept
  rules' rows as plain tuples: findings without a row are new, withdrawn rows whose finding
  holds again are re-opened, active rows without a finding are withdrawn;
* new findings are inserted with ``INSERT … ON CONFLICT DO NOTHING`` on the natural key
  (their summary and evidence are serialised for them only), a batch at a time;
* withdrawals are ``UPDATE … WHERE id IN (…) AND status IN (active) RETURNING id``, a batch
  at a time (an anti-join of the table with the findings sent as an array was tried: with
  the array's row count unknown to the planner it ran as a nested loop, seconds at 10,000
  patients);
* each created or changed row gets its history row (``INSERT … SELECT`` from the table, as
  django-simple-history would write it: same columns, reason, no user).

No Deviation object is built for a finding that already has its row. Concurrent sweeps are
serialised by a PostgreSQL advisory lock; the unique constraint is the last guard.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from simple_history.utils import bulk_update_with_history

from edc import protocol
from edc.outbox.services import outbox_enqueue

from . import constants as msg
from .constants import ACTIVE, TRANSITIONS, DeviationStatus
from .models import Deviation
from .rules import RULES

# Major deviations are e-mailed (edc.notifications, the floor above: named, never imported).
MAJOR_DEVIATIONS_TASK = "edc.notifications.deviations_major"

SWEEP_LOCK_ID = 0x0DE7_1A7E  # pg_advisory_xact_lock key for the sweep
BATCH = 500
CREATED_REASON = "Detected by the deviation sweep"
CHANGED_REASON = "Deviation sweep: finding changed"


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


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


TABLE = Deviation._meta.db_table
HISTORY = Deviation.history.model._meta.db_table
COLUMNS = [f.column for f in Deviation._meta.concrete_fields if not f.primary_key]


def _in(values: list) -> str:
    return ", ".join(["%s"] * len(values))


def _scope(codes: list[str], ids: list[int] | None, alias: str = "") -> tuple[str, list]:
    prefix = f"{alias}." if alias else ""
    sql = f"{prefix}{_q('rule')} IN ({_in(codes)})"
    params: list = list(codes)
    if ids is not None:
        sql += f" AND {prefix}{_q('patient_id')} IN ({_in(ids)})"
        params += ids
    return sql, params


def _existing(cursor, codes: list[str], ids) -> dict[tuple[int, str, str], tuple[int, str]]:
    """(id, status) of every row of the swept rules and patients, by natural key: plain
    tuples read in one query (no Deviation object is built for them)."""
    scope, params = _scope(codes, ids)
    cursor.execute(
        f"SELECT {_q('patient_id')}, {_q('rule')}, {_q('subject_key')}, {_q('id')}, "
        f"{_q('status')} FROM {_q(TABLE)} WHERE {scope}",
        params,
    )
    return {(p, r, s): (pk, status) for p, r, s, pk, status in cursor.fetchall()}


def _history(cursor, ids: list[int], history_type: str, reason: str, at: dt.datetime) -> None:
    """History rows of ``ids`` as they are now (what simple-history writes on a save)."""
    columns = ", ".join(_q(c) for c in ["id", *COLUMNS])
    at_value = Deviation._meta.get_field("detected_at").get_db_prep_save(at, connection)
    for first in range(0, len(ids), BATCH):
        batch = ids[first : first + BATCH]
        cursor.execute(
            f"INSERT INTO {_q(HISTORY)} ({columns}, {_q('history_date')}, "
            f"{_q('history_change_reason')}, {_q('history_type')}, {_q('history_user_id')}) "
            f"SELECT {columns}, %s, %s, %s, NULL FROM {_q(TABLE)} WHERE {_q('id')} IN "
            f"({_in(batch)}) ORDER BY {_q('id')}",
            [at_value, reason, history_type, *batch],
        )


def _withdraw(cursor, ids: list[int], at: dt.datetime) -> list[int]:
    """Withdraw the rows ``ids`` that are still active (the row lock of the UPDATE and its
    status condition keep a concurrent review from being overwritten); their ids."""
    done = []
    changed_at = Deviation._meta.get_field("status_changed_at").get_db_prep_save(at, connection)
    for first in range(0, len(ids), BATCH):
        batch = ids[first : first + BATCH]
        cursor.execute(
            f"UPDATE {_q(TABLE)} SET {_q('status')} = %s, {_q('status_comment')} = %s, "
            f"{_q('status_changed_at')} = %s, {_q('status_changed_by_id')} = NULL, "
            f"{_q('version')} = {_q('version')} + 1 WHERE {_q('id')} IN ({_in(batch)}) "
            f"AND {_q('status')} IN ({_in(ACTIVE)}) RETURNING {_q('id')}",
            [
                DeviationStatus.WITHDRAWN.value,
                msg.WITHDRAWN_REASON,
                changed_at,
                *batch,
                *[str(status) for status in ACTIVE],
            ],
        )
        done += [pk for (pk,) in cursor.fetchall()]
    return sorted(done)


def _insert(cursor, rows: list[Deviation]) -> list[tuple[int, str]]:
    """INSERT … ON CONFLICT DO NOTHING on the natural key; (id, severity) of rows written."""
    fields = [f for f in Deviation._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(_q(f.column) for f in fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    written = []
    for first in range(0, len(rows), BATCH):
        batch = rows[first : first + BATCH]
        params = [
            f.get_db_prep_save(f.pre_save(row, add=True), connection)
            for row in batch
            for f in fields
        ]
        cursor.execute(
            f"INSERT INTO {_q(TABLE)} ({columns}) VALUES {', '.join([one] * len(batch))} "
            f"ON CONFLICT ({_q('patient_id')}, {_q('rule')}, {_q('subject_key')}) DO NOTHING "
            f"RETURNING {_q('id')}, {_q('severity')}",
            params,
        )
        written += cursor.fetchall()
    return written


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
    findings = {}
    for rule in rules:
        found = {
            (f.patient_id, rule.CODE, f.subject_key): f
            for f in rule.find(patient_ids=ids, today=today)
        }
        result.by_rule[rule.CODE] = len(found)
        findings.update(found)
    codes = [rule.CODE for rule in rules]
    if not codes or ids == []:
        return result
    with connection.cursor() as cursor:
        known = _existing(cursor, codes, ids)
        new = [
            Deviation(
                patient_id=key[0],
                rule=key[1],
                severity=protocol.DEVIATION_SEVERITY[key[1]],
                subject_key=f.subject_key,
                summary=f.summary[:300],
                evidence=f.evidence,
                detected_at=now,
            )
            for key, f in findings.items()
            if key not in known
        ]
        written = _insert(cursor, new) if new else []
        _history(cursor, sorted(pk for pk, _ in written), "+", CREATED_REASON, now)
        result.created = len(written)
        majors = sorted(pk for pk, severity in written if severity == protocol.MAJOR)
        if majors:  # ids are never reused: the first one names the batch
            outbox_enqueue(
                task=MAJOR_DEVIATIONS_TASK,
                args=[majors],
                key=str(majors[0]),
                what=f"the mail of {len(majors)} major deviations",
            )
        gone = sorted(
            pk for key, (pk, status) in known.items() if status in ACTIVE and key not in findings
        )
        withdrawn = _withdraw(cursor, gone, now)
        _history(cursor, withdrawn, "~", CHANGED_REASON, now)
        result.withdrawn = len(withdrawn)
    again = {
        pk: key
        for key, (pk, status) in known.items()
        if status == DeviationStatus.WITHDRAWN and key in findings
    }
    if again:  # rare: a corrected record that became a deviation again
        reopened = list(Deviation.objects.filter(pk__in=again))
        for deviation in reopened:
            deviation.status = DeviationStatus.OPEN
            deviation.status_comment = msg.REOPENED_REASON
            deviation.evidence = findings[again[deviation.pk]].evidence
            deviation.status_changed_at, deviation.status_changed_by = now, None
            deviation.version += 1
        bulk_update_with_history(
            reopened,
            Deviation,
            [
                "status",
                "status_comment",
                "status_changed_at",
                "status_changed_by",
                "evidence",
                "version",
            ],
            batch_size=BATCH,
            default_change_reason=CHANGED_REASON,
        )
        result.reopened = len(reopened)
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
            {
                "status": gettext(msg.ILLEGAL_TRANSITION).format(
                    old=DeviationStatus(locked.status).label.lower(),
                    new=DeviationStatus(status).label.lower(),
                )
            }
        )
    if status == DeviationStatus.RESOLVED and not (comment or "").strip():
        raise ValidationError({"comment": gettext(msg.COMMENT_REQUIRED)})
    locked.status = status
    locked.status_comment = (comment or "").strip()
    locked.status_changed_at = timezone.now()
    locked.status_changed_by = user
    locked.version += 1
    locked._history_user = user
    with translation.override("en"):  # the history's reason is stored: always in English
        label = str(DeviationStatus(status).label)
    locked._change_reason = f"{label}: {locked.status_comment}".strip()
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
