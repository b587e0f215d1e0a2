"""What a change of trial data does to the monitoring that vouched for it.

Called by ``edc.audit.services`` after every audited write of trial data, inside the write's
transaction, with the write's ``AuditEntry``:

* a source-data verification of the record no longer holds: record-level marks are cleared
  by any write, field-level marks when their field changed (or the record was deleted);
* an e-signature covering the record (the patient's casebook, or the record's calendar event)
  no longer signs the current data: it is invalidated and names the change.

Both are audited writes of monitoring metadata, so they show in the audit trail.
"""

from django.utils import translation

from edc.audit.models import AuditAction, AuditedModel, AuditEntry
from edc.audit.services import audited_update

from .constants import CASEBOOK, SignatureStatus
from .models import SdvMark, Signature
from .records import record_in_event


def data_changed(*, instance: AuditedModel, entry: AuditEntry) -> None:
    # The reasons written here are stored in the audit trail: always in English.
    with translation.override("en"):
        if entry.action != AuditAction.CREATE:  # a new record has no verification yet
            sdv_marks_clear(entry=entry)
        signatures_invalidate(instance=instance, entry=entry)


def _change_label(entry: AuditEntry) -> str:
    """The change in words: "change of Paclitaxel C1 D1 — FR01-001 (reason: …)"."""
    model = entry.content_type.model_class()
    record = model._base_manager.filter(pk=entry.object_id).first() if model else None
    name = str(record) if record is not None else entry.model_label
    why = f" (reason: {entry.reason})" if entry.reason else ""
    what = {"create": "creation", "delete": "deletion"}.get(entry.action, "change")
    return f"{what} of {name}{why}"


def sdv_marks_clear(*, entry: AuditEntry) -> int:
    changed = {change["field"] for change in entry.changes}
    marks = SdvMark.objects.filter(
        content_type_id=entry.content_type_id,
        object_id=entry.object_id,
        cleared_at__isnull=True,
    )
    cleared = 0
    for mark in marks:
        if mark.field and entry.action == AuditAction.CHANGE and mark.field not in changed:
            continue
        audited_update(
            mark,
            user=entry.user,
            reason=f"SDV cleared by the {_change_label(entry)}",
            expected_version=None,
            changes={"cleared_at": entry.at, "cleared_by_change": entry},
        )
        cleared += 1
    return cleared


def signatures_invalidate(*, instance: AuditedModel, entry: AuditEntry) -> int:
    if entry.patient_id is None:
        return 0
    invalidated = 0
    for signature in Signature.objects.filter(
        patient_id=entry.patient_id, status=SignatureStatus.VALID
    ):
        if signature.scope != CASEBOOK and not record_in_event(instance, signature.scope):
            continue
        audited_update(
            signature,
            user=entry.user,
            reason=f"Signature invalidated by the {_change_label(entry)}",
            expected_version=None,
            changes={
                "status": SignatureStatus.INVALIDATED,
                "invalidated_at": entry.at,
                "invalidating_change": entry,
            },
        )
        invalidated += 1
    return invalidated
