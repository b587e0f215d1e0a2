"""Writes of the monitor workspace: data queries, SDV marks, e-signatures and locks.

Every write is an audited write (``edc.audit.services``), so the audit trail shows who raised,
answered, closed, verified, signed, locked and unlocked what, when and why. Services check the
trial role (``permissions``); site access is checked by the selectors that fetched the record,
query or patient (a record of another site is a 404 before a service is reached).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from edc.access.credentials import signing_credentials_check
from edc.access.selectors import user_role, user_site_ids
from edc.audit.clock import audit_now
from edc.audit.models import AuditedModel, AuditEntry
from edc.audit.records import record_version
from edc.audit.services import audited_create, audited_update
from edc.outbox.services import outbox_enqueue
from patients.models import CalendarEvent, Patient

from . import constants as msg
from . import permissions as perms
from .constants import (
    CASEBOOK,
    QUERY_TRANSITIONS,
    SIGNATURE_MEANINGS,
    LockScope,
    MessageKind,
    QueryStatus,
    SignatureStatus,
)
from .exceptions import IllegalTransition
from .models import DataQuery, Lock, QueryMessage, SdvMark, Signature
from .records import RecordRef, record_ref
from .signing import signature_content

# ---------------------------------------------------------------------------- data queries
# The e-mails a query owes (edc.notifications, the floor above: named, never imported).
QUERY_RAISED_TASK = "edc.notifications.query_raised"
QUERY_ANSWERED_TASK = "edc.notifications.query_answered"


def _english():
    """Audit reasons are stored, so they are written in English whatever the user reads."""
    return translation.override("en")


def _notify_raised(query: DataQuery) -> None:
    outbox_enqueue(
        task=QUERY_RAISED_TASK, args=[query.pk], key=str(query.pk), what=f"the mail of {query}"
    )


def query_change_reason(*, query: DataQuery, text: str) -> str:
    """The reason for change of a correction made in answer to a query: ``"Query #12: …"``.

    App services pass it as ``reason`` to their update service, so the audit trail of the
    data change cites the query; ``query_answer(linked_change_reason=...)`` finds it again.
    """
    text = (text or "").strip()
    prefix = f"Query #{query.pk}:"
    return text if text.startswith(prefix) else f"{prefix} {text}".rstrip()


def _require_field(record: RecordRef, field: str) -> None:
    if field and field not in record.field_names():
        raise ValidationError({"field": _(msg.UNKNOWN_FIELD).format(field=field)})


def _require_existing(record: RecordRef) -> None:
    if not record.is_trial_data:
        raise ValidationError({"__all__": _(msg.NOT_TRIAL_DATA)})
    if record.instance is None:
        raise ValidationError({"__all__": _(msg.RECORD_DELETED)})


def _message(
    query: DataQuery, *, kind: str, user, text: str, linked_change: AuditEntry | None = None
) -> QueryMessage:
    return QueryMessage.objects.create(
        at=audit_now(),
        query=query,
        kind=kind,
        author=user if getattr(user, "pk", None) else None,
        author_role=user_role(user) or "",
        text=text,
        linked_change=linked_change,
    )


def _query_for_move(query: DataQuery, *, to: str) -> DataQuery:
    """The query's row, locked, after checking the transition map allows the move."""
    current = DataQuery.objects.select_for_update().get(pk=query.pk)
    if to not in QUERY_TRANSITIONS[current.status]:
        raise IllegalTransition(current=current.status, target=to)
    return current


def _new_query(record: RecordRef, *, field: str, question: str, raised_by, auto_key=None):
    return DataQuery(
        content_type=record.content_type,
        object_id=record.object_id,
        field=field,
        patient_id=record.patient_id,
        site_id=record.site_id,
        question=question,
        raised_by=raised_by,
        raised_at=audit_now(),
        auto_key=auto_key,
    )


@transaction.atomic
def query_raise(*, user, record: RecordRef, field: str, question: str) -> DataQuery:
    """A monitor or data manager asks the site about one field (or all) of one record."""
    perms.require_query_raiser(user)
    question = (question or "").strip()
    if not question:
        raise ValidationError({"question": _(msg.QUESTION_REQUIRED)})
    _require_existing(record)
    _require_field(record, field)
    with _english():  # the reason is stored: always in English
        reason = f"Query raised on {record.label}" + (
            f", field {record.field_label(field)}" if field else ""
        )
    query = audited_create(
        _new_query(record, field=field, question=question, raised_by=user),
        user=user,
        reason=reason,
    )
    _message(query, kind=MessageKind.QUESTION, user=user, text=question)
    _notify_raised(query)
    return query


def query_raise_automatic(
    *, instance: AuditedModel, field: str, question: str, auto_key: str
) -> DataQuery:
    """Raise an edit-check query once per ``auto_key`` (e.g. ``"lab-range:123"``).

    Idempotent: when a query with this key exists, whatever its status, it is returned and
    nothing is written — a re-save of the record, a retried task or two workers at once never
    raise it twice (the unique constraint settles a race).
    """
    existing = DataQuery.objects.filter(auto_key=auto_key).first()
    if existing is not None:
        return existing
    record = record_ref(instance)
    _require_existing(record)
    _require_field(record, field)
    try:
        with transaction.atomic():
            query = audited_create(
                _new_query(
                    record,
                    field=field,
                    question=question.strip(),
                    raised_by=None,
                    auto_key=auto_key,
                ),
                user=None,
                reason=f"Automatic edit check {auto_key}",
            )
            _message(query, kind=MessageKind.QUESTION, user=None, text=question.strip())
            _notify_raised(query)
    except (IntegrityError, ValidationError):
        existing = DataQuery.objects.filter(auto_key=auto_key).first()
        if existing is None:
            raise
        return existing
    return query


@transaction.atomic
def query_answer(
    *, query: DataQuery, user, text: str, linked_change_reason: str | None = None
) -> DataQuery:
    """Site staff answer an open query.

    When the answer accompanies a correction, ``linked_change_reason`` is the reason that
    correction was saved with (``query_change_reason`` builds it; the "Query #<id>:" prefix is
    added when missing): the answer then links that audit entry of the queried record.
    """
    perms.require_query_answerer(user)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _(msg.ANSWER_REQUIRED)})
    current = _query_for_move(query, to=QueryStatus.ANSWERED)
    linked = None
    if linked_change_reason:
        reason = query_change_reason(query=current, text=linked_change_reason)
        linked = (
            AuditEntry.objects.filter(
                content_type_id=current.content_type_id,
                object_id=current.object_id,
                reason=reason,
            )
            .order_by("-at", "-id")
            .first()
        )
        if linked is None:
            raise ValidationError(
                {"linked_change_reason": _(msg.NO_LINKED_CHANGE).format(reason=reason, id=query.pk)}
            )
    answered = audited_update(
        current,
        user=user,
        reason=f"Query #{current.pk} answered"
        + (f" with data change (audit entry #{linked.pk})" if linked else ""),
        expected_version=None,
        changes={
            "status": QueryStatus.ANSWERED,
            "answer": text,
            "answered_by": user,
            "answered_at": audit_now(),
        },
    )
    _message(answered, kind=MessageKind.ANSWER, user=user, text=text, linked_change=linked)
    outbox_enqueue(
        task=QUERY_ANSWERED_TASK,
        args=[answered.pk, answered.version],
        key=f"{answered.pk}:{answered.version}",
        what=f"the mail of the answer to {answered}",
    )
    return answered


@transaction.atomic
def query_close(*, query: DataQuery, user, note: str = "") -> DataQuery:
    """The monitor accepts the answer (or withdraws an open query)."""
    perms.require_query_raiser(user)
    current = _query_for_move(query, to=QueryStatus.CLOSED)
    note = (note or "").strip()
    closed = audited_update(
        current,
        user=user,
        reason=f"Query #{current.pk} closed" + (f": {note}" if note else ""),
        expected_version=None,
        changes={"status": QueryStatus.CLOSED, "closed_by": user, "closed_at": audit_now()},
    )
    _message(closed, kind=MessageKind.CLOSE, user=user, text=note)
    return closed


@transaction.atomic
def query_reopen(*, query: DataQuery, user, reason: str) -> DataQuery:
    """The monitor sends an answered or closed query back to the site, saying why."""
    perms.require_query_raiser(user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _(msg.REOPEN_REASON_REQUIRED)})
    current = _query_for_move(query, to=QueryStatus.OPEN)
    reopened = audited_update(
        current,
        user=user,
        reason=f"Query #{current.pk} re-opened: {reason}",
        expected_version=None,
        changes={
            "status": QueryStatus.OPEN,
            "answer": "",
            "answered_by": None,
            "answered_at": None,
            "closed_by": None,
            "closed_at": None,
            "reopened_by": user,
            "reopened_at": audit_now(),
        },
    )
    _message(reopened, kind=MessageKind.REOPEN, user=user, text=reason)
    return reopened


# ---------------------------------------------------------------- source-data verification


@transaction.atomic
def sdv_mark(
    *, user, record: RecordRef, field: str = "", expected_version: int | None = None
) -> SdvMark:
    """A monitor marks a record (or one field) verified against the source, at its version.

    The record's row is locked (SELECT … FOR UPDATE) so a concurrent change either lands
    before (and the version check refuses a stale verification) or after (and clears it).
    """
    perms.require_verifier(user)
    _require_existing(record)
    _require_field(record, field)
    current = record.model.objects.select_for_update().get(pk=record.object_id)
    version = record_version(current)
    if expected_version is not None and version != expected_version:
        raise ValidationError({"version": _(msg.VERSION_MOVED).format(current=version)})
    if SdvMark.objects.filter(
        content_type=record.content_type,
        object_id=record.object_id,
        field=field,
        cleared_at__isnull=True,
    ).exists():
        raise ValidationError({"__all__": _(msg.ALREADY_VERIFIED)})
    with _english():  # the reason is stored: always in English
        target = f"{record.label}, field {field}" if field else str(record.label)
    return audited_create(
        SdvMark(
            content_type=record.content_type,
            object_id=record.object_id,
            field=field,
            patient_id=record.patient_id,
            site_id=record.site_id,
            verified_by=user,
            verified_at=audit_now(),
            version_verified=version,
        ),
        user=user,
        reason=f"Source data verified: {target} at version {version}",
    )


# ------------------------------------------------------------------------ e-signatures


def signature_sign(
    *,
    user,
    patient: Patient,
    scope: str,
    username: str,
    password: str,
    meaning: str,
    request=None,
) -> Signature:
    """An investigator of the patient's site signs the casebook (or one event) with a meaning.

    Not one transaction, on purpose: checks that write nothing come first, then the
    credentials check commits the attempt, then the signature is written atomically. Any
    refusal therefore leaves only the attempt behind.
    """
    if not perms.can_sign(user) or patient.site_id not in (user_site_ids(user) or ()):
        raise PermissionDenied(_(msg.ONLY_INVESTIGATORS_SIGN))
    if meaning not in SIGNATURE_MEANINGS:
        raise ValidationError({"meaning": _(msg.UNKNOWN_MEANING)})
    if scope != CASEBOOK and not CalendarEvent.objects.filter(patient=patient, code=scope).exists():
        raise ValidationError({"scope": _(msg.UNKNOWN_SCOPE)})
    if Signature.objects.filter(
        patient=patient, scope=scope, signer=user, status=SignatureStatus.VALID
    ).exists():
        raise ValidationError({"__all__": _(msg.ALREADY_SIGNED)})
    signing_credentials_check(user=user, username=username, password=password, request=request)
    with transaction.atomic():
        digest, records = signature_content(patient_id=patient.pk, scope=scope)
        return audited_create(
            Signature(
                patient=patient,
                scope=scope,
                signer=user,
                printed_name=user.get_full_name() or user.get_username(),
                signed_at=audit_now(),
                meaning=meaning,
                content_sha256=digest,
                signed_records=records,
            ),
            user=user,
            reason=f"Signed {scope}: {meaning}",
        )


def signature_verify(signature: Signature) -> bool:
    """Does the signed content still hash to what was signed?"""
    digest, _records = signature_content(patient_id=signature.patient_id, scope=signature.scope)
    return digest == signature.content_sha256


# ------------------------------------------------------------------------------- locks


@transaction.atomic
def lock_create(
    *,
    user,
    scope: str,
    reason: str,
    patient: Patient | None = None,
    record: RecordRef | None = None,
) -> Lock:
    """A data manager freezes one record, one patient's casebook or the whole database."""
    perms.require_locker(user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _(msg.LOCK_REASON_REQUIRED)})
    lock = Lock(scope=scope, reason=reason, locked_by=user, locked_at=audit_now())
    if scope == LockScope.RECORD:
        if record is None:
            raise ValidationError({"__all__": _(msg.LOCK_TARGET_MISSING)})
        _require_existing(record)
        lock.content_type = record.content_type
        lock.object_id = record.object_id
        lock.patient_id = record.patient_id
        lock.site_id = record.site_id
        with _english():  # the reason is stored: always in English
            target = str(record.label)
        same = Lock.objects.filter(
            scope=scope, content_type=record.content_type, object_id=record.object_id
        )
    elif scope == LockScope.PATIENT:
        if patient is None:
            raise ValidationError({"__all__": _(msg.LOCK_TARGET_MISSING)})
        lock.patient = patient
        lock.site_id = patient.site_id
        with _english():
            target = f"casebook of {patient}"
        same = Lock.objects.filter(scope=scope, patient=patient)
    elif scope == LockScope.DATABASE:
        target = "the whole database"
        same = Lock.objects.filter(scope=scope)
    else:
        raise ValidationError({"scope": _(msg.LOCK_TARGET_MISSING)})
    if same.filter(unlocked_at__isnull=True).exists():
        raise ValidationError({"__all__": _(msg.ALREADY_LOCKED)})
    return audited_create(lock, user=user, reason=f"Locked {target}: {reason}")


@transaction.atomic
def lock_release(*, lock: Lock, user, reason: str) -> Lock:
    """Unlock, with a reason (audited)."""
    perms.require_locker(user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _(msg.UNLOCK_REASON_REQUIRED)})
    current = Lock.objects.select_for_update().get(pk=lock.pk)
    if current.unlocked_at is not None:
        raise ValidationError({"__all__": _(msg.NOT_LOCKED)})
    return audited_update(
        current,
        user=user,
        reason=f"Unlocked: {reason}",
        expected_version=None,
        changes={"unlocked_by": user, "unlocked_at": audit_now(), "unlock_reason": reason},
    )
