"""The one write path's audit step: create and change audited records.

Services of every app call ``audited_create`` / ``audited_update`` inside their own
``transaction.atomic`` block, after their clinical validators. These functions lock the row
(``select_for_update``), compare versions, validate the model, set who and why, and save
through the ORM so django-simple-history writes the audit row.
"""

from collections.abc import Mapping
from typing import Any, TypeVar

from django.db import transaction

from .exceptions import ReasonRequired, StaleVersion
from .models import AuditedModel

M = TypeVar("M", bound=AuditedModel)


def _stamp(instance: AuditedModel, *, user, reason: str) -> None:
    instance._history_user = user
    instance._change_reason = reason


def audited_create(instance: M, *, user, reason: str = "Initial entry") -> M:
    """Validate and insert a new audited record (reason defaults to 'Initial entry')."""
    with transaction.atomic():
        if user is not None and getattr(user, "pk", None):
            instance.created_by = user
        instance.full_clean()
        _stamp(instance, user=user, reason=reason)
        instance.save()
    return instance


def changes_since(instance: AuditedModel, version: int) -> list[dict]:
    """Field-by-field changes made to ``instance`` after ``version`` (oldest first)."""
    records = list(
        instance.history.filter(version__gte=version)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    changes: list[dict] = []
    for older, newer in zip(records, records[1:], strict=False):
        delta = newer.diff_against(older, excluded_fields=["version", "updated_at"])
        for change in delta.changes:
            changes.append(
                {
                    "field": change.field,
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
        if expected_version is not None and locked.version != expected_version:
            raise StaleVersion(
                current_version=locked.version, changes=changes_since(locked, expected_version)
            )
        for field, value in changes.items():
            setattr(locked, field, value)
        locked.version += 1
        locked.full_clean()
        _stamp(locked, user=user, reason=reason.strip())
        locked.save()
    # Keep the caller's object in step with what was saved.
    instance.__dict__.update(
        {k: v for k, v in locked.__dict__.items() if not k.startswith("_state")}
    )
    return locked


def audited_delete(instance: AuditedModel, *, user, reason: str) -> None:
    if not (reason or "").strip():
        raise ReasonRequired()
    _stamp(instance, user=user, reason=reason.strip())
    instance.delete()
