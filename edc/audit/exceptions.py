from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_noop

# Plain English strings (tests and other apps compare them), translated when raised.
REASON_REQUIRED = gettext_noop("A reason for change is required when editing saved data.")
STALE_VERSION = gettext_noop(
    "This record was changed by someone else after you opened it. "
    "Review their changes below and re-apply yours."
)


class AuditBypassError(RuntimeError):
    """A write that would not be recorded in the audit trail."""


class ReasonRequired(ValidationError):
    def __init__(self):
        super().__init__({"reason": [gettext(REASON_REQUIRED)]})


class StaleVersion(ValidationError):
    """Raised when the record's version moved on since the user opened the form.

    ``changes`` lists what changed meanwhile: dicts of field, old, new, user, at, reason.
    """

    def __init__(self, *, current_version: int, changes: list[dict]):
        self.current_version = current_version
        self.changes = changes
        summary = "; ".join(
            gettext("%(field)s: %(old)s → %(new)s (by %(user)s, %(at)s)")
            % {
                "field": c.get("label", c["field"]),
                "old": c.get("old_display", c["old"]),
                "new": c.get("new_display", c["new"]),
                "user": c["user"],
                "at": f"{c['at']:%Y-%m-%d %H:%M}",
            }
            for c in changes
        )
        message = gettext(STALE_VERSION)
        if summary:
            message += " " + gettext("Changed meanwhile: %(changes)s.") % {"changes": summary}
        super().__init__({"version": [message]})
