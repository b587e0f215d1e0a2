"""The one write path's audit step: create and change audited records.

Services of every app call ``audited_create`` / ``audited_update`` inside their own
``transaction.atomic`` block, after their clinical validators. These functions lock the row
(``select_for_update``), compare versions, validate the model, set who and why, and save
through the ORM so django-simple-history writes the audit row.

In the same transaction they also:

* refuse the write when the data is locked (``edc.monitoring.locks.lock_check``, registered
  in ``edc.audit.hooks``);
* write the ``AuditEntry`` review row (who, when, why, field-by-field old → new);
* clear source-data verification marks and invalidate e-signatures that the change makes
  untrue (``edc.monitoring.reactions``, registered in ``edc.audit.hooks``) — 21 CFR 11: a
  verification or a signature must never outlive the data it vouches for, so this is done
  here, fail-closed, and not by a signal that could be disconnected.
"""

from collections.abc import Mapping
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction

from edc.access import roles
from edc.access.selectors import user_role

from . import hooks
from .exceptions import AuditBypassError, ReasonRequired, StaleVersion
from .models import AuditAction, AuditedModel, AuditEntry
from .records import (
    diff_values,
    is_trial_data,
    patient_id_of,
    record_values,
    record_version,
    site_id_of,
)

M = TypeVar("M", bound=AuditedModel)


def _stamp(instance: AuditedModel, *, user, reason: str) -> None:
    instance._history_user = user
    instance._change_reason = reason


def _acting_user(user):
    return user if user is not None and getattr(user, "pk", None) else None


OUTSIDE_YOUR_SITES = "This record belongs to a site you are not assigned to; nothing was saved."


def _writer_check(instance: AuditedModel, user) -> None:
    """A person writes only records of their own sites (the authorization table's scope).

    The pages and the API already look records up through the scoping selectors; this is the
    last line, in the one write path, so no service, task or admin action can write across
    sites for a person. System writes (no user: scheduled tasks) are not concerned.
    """
    if _acting_user(user) is None or site_id_of(instance) is None:
        return
    if not roles.role_can(user, roles.READ, instance):
        raise PermissionDenied(OUTSIDE_YOUR_SITES)


def audit_entry_write(
    instance: AuditedModel, *, action: str, user, reason: str, changes: list[dict]
) -> AuditEntry:
    """Append the review row of one write. Precondition: inside the write's transaction."""
    model = type(instance)
    return AuditEntry.objects.create(
        action=action,
        content_type=ContentType.objects.get_for_model(model),
        object_id=instance.pk,
        model_label=model._meta.label_lower,
        version=record_version(instance),
        patient_id=patient_id_of(instance),
        site_id=site_id_of(instance),
        user=_acting_user(user),
        user_role=user_role(user) or "",
        reason=reason,
        changes=changes,
        changed_fields="".join(f",{c['field']}" for c in changes) + "," if changes else "",
    )


def _after_write(instance: AuditedModel, entry: AuditEntry) -> None:
    if not is_trial_data(type(instance)):
        return
    hooks.after_write(instance=instance, entry=entry)


def audited_create(instance: M, *, user, reason: str = "Initial entry") -> M:
    """Validate and insert a new audited record (reason defaults to 'Initial entry')."""
    with transaction.atomic():
        hooks.before_write(instance)
        _writer_check(instance, user)
        if _acting_user(user) is not None:
            instance.created_by = user
        instance.full_clean()
        _stamp(instance, user=user, reason=reason)
        instance.save()
        changes = diff_values({}, record_values(instance))
        entry = audit_entry_write(
            instance, action=AuditAction.CREATE, user=user, reason=reason, changes=changes
        )
        _after_write(instance, entry)
    return instance


def changes_since(instance: AuditedModel, version: int) -> list[dict]:
    """Field-by-field changes made to ``instance`` after ``version`` (oldest first)."""
    records = list(
        instance.history.filter(version__gte=version)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    # Imported here: display reads the models of every app.
    from .display import field_label, value_text

    model = type(instance)
    changes: list[dict] = []
    for older, newer in zip(records, records[1:], strict=False):
        delta = newer.diff_against(older, excluded_fields=["version", "updated_at"])
        for change in delta.changes:
            changes.append(
                {
                    "field": change.field,
                    # What a person reads: the field's label and readable values.
                    "label": field_label(model, change.field),
                    "old_display": value_text(model, change.field, change.old),
                    "new_display": value_text(model, change.field, change.new),
                    "old": change.old,
                    "new": change.new,
                    "user": getattr(newer.history_user, "username", "system"),
                    "at": newer.history_date,
                    "reason": newer.history_change_reason or "",
                }
            )
    return changes


def audited_update(
    instance: M,
    *,
    user,
    reason: str,
    expected_version: int | None,
    changes: Mapping[str, Any],
) -> M:
    """Apply ``changes`` to a saved record with a reason, refusing a stale version.

    Precondition: called inside the caller's atomic block. The row is locked with
    SELECT … FOR UPDATE so two concurrent saves serialise and the second sees the new version.
    """
    if not (reason or "").strip():
        raise ReasonRequired()
    with transaction.atomic():
        model = type(instance)
        locked = model.objects.select_for_update().get(pk=instance.pk)
        hooks.before_write(locked)
        _writer_check(locked, user)
        if expected_version is not None and locked.version != expected_version:
            raise StaleVersion(
                current_version=locked.version, changes=changes_since(locked, expected_version)
            )
        before = record_values(locked)
        for field, value in changes.items():
            setattr(locked, field, value)
        locked.version += 1
        locked.full_clean()
        _stamp(locked, user=user, reason=reason.strip())
        locked.save()
        entry = audit_entry_write(
            locked,
            action=AuditAction.CHANGE,
            user=user,
            reason=reason.strip(),
            changes=diff_values(before, record_values(locked)),
        )
        _after_write(locked, entry)
    # Keep the caller's object in step with what was saved.
    instance.__dict__.update(
        {k: v for k, v in locked.__dict__.items() if not k.startswith("_state")}
    )
    return locked


def audited_delete(instance: AuditedModel, *, user, reason: str) -> None:
    """Delete a record of a model declaring ``AUDITED_DELETE = True``, with a reason.

    The declaration is also what grants the application role DELETE on the model's table
    (edc.operations.dbroles), so the code and the database refuse the same deletes.
    """
    if getattr(type(instance), "AUDITED_DELETE", False) is not True:
        raise AuditBypassError(
            f"{type(instance).__name__} records are never deleted (the model does not declare "
            "AUDITED_DELETE = True)."
        )
    if not (reason or "").strip():
        raise ReasonRequired()
    with transaction.atomic():
        hooks.before_write(instance)
        pk = instance.pk
        changes = diff_values(record_values(instance), {})
        _stamp(instance, user=user, reason=reason.strip())
        instance.delete()
        # The review row names the deleted record, so its id is put back for it.
        instance.pk = pk
        entry = audit_entry_write(
            instance, action=AuditAction.DELETE, user=user, reason=reason.strip(), changes=changes
        )
        _after_write(instance, entry)
        instance.pk = None
