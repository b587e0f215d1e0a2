from django.core.exceptions import ValidationError

REASON_REQUIRED = "A reason for change is required when editing saved data."
STALE_VERSION = (
    "This record was changed by someone else after you opened it. "
    "Review their changes below and re-apply yours."
)


class AuditBypassError(RuntimeError):
    """A write that would not be recorded in the audit trail."""


class ReasonRequired(ValidationError):
    def __init__(self):
        super().__init__({"reason": [REASON_REQUIRED]})


class StaleVersion(ValidationError):
    """Raised when the record's version moved on since the user opened the form.

    ``changes`` lists what changed meanwhile: dicts of field, old, new, user, at, reason.
    """

    def __init__(self, *, current_version: int, changes: list[dict]):
        self.current_version = current_version
        self.changes = changes
        summary = "; ".join(
            f"{c.get('label', c['field'])}: {c.get('old_display', c['old'])!s} → "
            f"{c.get('new_display', c['new'])!s} (by {c['user']}, {c['at']:%Y-%m-%d %H:%M})"
            for c in changes
        )
        message = STALE_VERSION + (f" Changed meanwhile: {summary}." if summary else "")
        super().__init__({"version": [message]})
