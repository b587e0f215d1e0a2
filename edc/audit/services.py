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

Validation is ``full_clean`` without the checks the database makes itself: uniqueness and
``Meta.constraints`` are enforced by the database's constraints, and a relation to a record
this process has just read or written exists. Asking the database first cost one query per
unique field and constraint on every save; now a save that breaks a constraint gets the
database's refusal, rolled back, and the same field messages ``full_clean`` gives (read then,
on the failure path only) — nothing is saved (:func:`_save_or_explain`).

Each write is recorded at :func:`edc.audit.clock.audit_now` (the wall clock, except for the
demo trial's back-entry on its own timeline).
"""

from collections.abc import Mapping
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext, gettext_noop

from edc.access import roles
from edc.access.selectors import user_role, user_site_ids

from . import hooks
from .clock import audit_now, back_entry_time
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
    # django-simple-history stamps the wall clock unless told otherwise (back-entry only).
    at = back_entry_time()
    if at is not None:
        instance._history_date = at
    else:
        instance.__dict__.pop("_history_date", None)


def _known_relations(instance: models.Model) -> list[str]:
    """Relations pointing at a record this process holds as saved: no need to look it up.

    ``full_clean`` checks that every foreign key's target exists, one query each. When the
    instance carries the related object itself, read from or saved to the database (the
    services pass the patient, the event…), that query only repeats what is known; the
    database's foreign key still refuses a dangling reference. Relations given by id only,
    or restricted by ``limit_choices_to``, are still checked.
    """
    known = []
    for field in instance._meta.concrete_fields:
        if not field.is_relation or not field.many_to_one or field.remote_field.limit_choices_to:
            continue
        if not field.is_cached(instance):
            continue
        related = field.get_cached_value(instance)
        value = getattr(instance, field.attname)
        if (
            related is not None
            and value is not None
            and not related._state.adding
            and getattr(related, field.target_field.attname) == value
        ):
            known.append(field.name)
    return known


def _relation_ids(instance: models.Model) -> dict[str, object]:
    return {
        f.name: getattr(instance, f.attname)
        for f in instance._meta.concrete_fields
        if f.is_relation and f.many_to_one
    }


def _validate(instance: AuditedModel, *, unchanged: frozenset[str] = frozenset()) -> None:
    """``full_clean`` minus the checks the database makes itself (unique, constraints).

    ``unchanged``: relations an update leaves as they were read, under the row lock, from
    the database (their target existed then; the foreign key keeps it so).
    """
    exclude = set(_known_relations(instance)) | {
        f.name for f in instance._meta.concrete_fields if f.is_relation and f.name in unchanged
    }
    instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


def _explain_refusal(instance: AuditedModel, error: IntegrityError) -> None:
    """Turn the database's refusal of a save into the messages ``full_clean`` would give.

    Called after the refused save was rolled back. Raises ``ValidationError`` (field →
    message, as the forms show it) when a unique field or a constraint explains the refusal;
    otherwise re-raises the database's error.
    """
    try:
        instance.validate_unique()
        instance.validate_constraints()
    except ValidationError as explained:
        raise _in_words(type(instance), explained) from error
    raise error


# A check constraint's own message names the constraint ("Constraint “x” is violated."): the
# person reads the fields it ties together instead.
CONSTRAINT_REFUSED = gettext_noop(
    "These values are not accepted together: {fields}. Nothing was saved."
)


def _condition_fields(model: type[models.Model], node) -> list[str]:
    """The labels of the fields a constraint's condition reads, in order, once each."""
    names: list[str] = []

    def walk(part) -> None:
        if isinstance(part, models.Q):
            for child in part.children:
                walk(child)
        elif isinstance(part, tuple):
            names.append(part[0].split("__")[0])
            walk(part[1])
        elif isinstance(part, models.F):
            names.append(part.name.split("__")[0])

    walk(node)
    labels: list[str] = []
    for name in names:
        try:
            label = str(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            continue
        if label not in labels:
            labels.append(label)
    return labels


def _in_words(model: type[models.Model], explained: ValidationError) -> ValidationError:
    """``explained`` with each check constraint's default message replaced by the fields."""
    words = {
        str(c.get_violation_error_message()): gettext(CONSTRAINT_REFUSED).format(
            fields=", ".join(_condition_fields(model, c.condition)) or model._meta.verbose_name
        )
        for c in model._meta.constraints
        if isinstance(c, models.CheckConstraint)
        and c.violation_error_message == c.default_violation_error_message
    }
    if not hasattr(explained, "error_dict"):
        return ValidationError([words.get(m, m) for m in explained.messages])
    return ValidationError(
        {
            field: [words.get(m, m) for m in messages]
            for field, messages in explained.message_dict.items()
        }
    )


def _save_or_explain(write):
    """Run ``write`` (an audited save and its audit rows) in a savepoint; a constraint's
    refusal rolls all of it back and reads as a field message (``_explain_refusal``)."""
    try:
        with transaction.atomic():
            return write()
    except IntegrityError as error:
        instance = getattr(error, "_edc_instance", None)
        if instance is None:
            raise
        _explain_refusal(instance, error)


def _save(instance: AuditedModel) -> None:
    try:
        instance.save()
    except IntegrityError as error:
        error._edc_instance = instance  # explained once the savepoint is rolled back
        raise


def _acting_user(user):
    return user if user is not None and getattr(user, "pk", None) else None


OUTSIDE_YOUR_SITES = gettext_noop(
    "This record belongs to a site you are not assigned to; nothing was saved."
)


def _writer_check(instance: AuditedModel, user) -> None:
    """A person writes only records of their own sites (the authorization table's scope).

    The pages and the API already look records up through the scoping selectors; this is the
    last line, in the one write path, so no service, task or admin action can write across
    sites for a person. System writes (no user: scheduled tasks) are not concerned.
    """
    if _acting_user(user) is None:
        return
    site_id = site_id_of(instance)  # read from the ids on the rows, no site row fetched
    if site_id is None:
        return
    sites = user_site_ids(user)
    if not roles.role_can(user, roles.READ) or (sites is not None and site_id not in sites):
        raise PermissionDenied(gettext(OUTSIDE_YOUR_SITES))


def audit_entry_write(
    instance: AuditedModel, *, action: str, user, reason: str, changes: list[dict]
) -> AuditEntry:
    """Append the review row of one write. Precondition: inside the write's transaction."""
    model = type(instance)
    return AuditEntry.objects.create(
        at=audit_now(),
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

    def write():
        hooks.before_write(instance)
        _writer_check(instance, user)
        if _acting_user(user) is not None:
            instance.created_by = user
        _validate(instance)
        _stamp(instance, user=user, reason=reason)
        _save(instance)
        changes = diff_values({}, record_values(instance))
        entry = audit_entry_write(
            instance, action=AuditAction.CREATE, user=user, reason=reason, changes=changes
        )
        _after_write(instance, entry)

    _save_or_explain(write)
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

    def write():
        model = type(instance)
        locked = model.objects.select_for_update().get(pk=instance.pk)
        hooks.before_write(locked)
        _writer_check(locked, user)
        if expected_version is not None and locked.version != expected_version:
            raise StaleVersion(
                current_version=locked.version, changes=changes_since(locked, expected_version)
            )
        before = record_values(locked)
        read = _relation_ids(locked)
        for field, value in changes.items():
            setattr(locked, field, value)
        locked.version += 1
        proposed = _relation_ids(locked)
        _validate(locked, unchanged=frozenset(n for n, v in read.items() if proposed[n] == v))
        _stamp(locked, user=user, reason=reason.strip())
        _save(locked)
        entry = audit_entry_write(
            locked,
            action=AuditAction.CHANGE,
            user=user,
            reason=reason.strip(),
            changes=diff_values(before, record_values(locked)),
        )
        _after_write(locked, entry)
        return locked

    locked = _save_or_explain(write)
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
