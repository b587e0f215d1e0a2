from django.db import models


class DeviationStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"
    WITHDRAWN = "withdrawn", "Withdrawn — data corrected"


# The allowed moves (oscar's set_status idea): anything else raises.
TRANSITIONS: dict[str, frozenset[str]] = {
    DeviationStatus.OPEN: frozenset(
        {DeviationStatus.ACKNOWLEDGED, DeviationStatus.RESOLVED, DeviationStatus.WITHDRAWN}
    ),
    DeviationStatus.ACKNOWLEDGED: frozenset({DeviationStatus.RESOLVED, DeviationStatus.WITHDRAWN}),
    DeviationStatus.RESOLVED: frozenset(),
    DeviationStatus.WITHDRAWN: frozenset({DeviationStatus.OPEN}),
}
ACTIVE = (DeviationStatus.OPEN, DeviationStatus.ACKNOWLEDGED)

ILLEGAL_TRANSITION = "A deviation cannot go from {old} to {new}."
COMMENT_REQUIRED = "Resolving a deviation needs a comment."
WITHDRAWN_REASON = "Withdrawn — data corrected: the finding no longer holds."
REOPENED_REASON = "Re-opened: the finding holds again."
