"""Words of the notification e-mails and settings page (tests import them)."""

from django.db import models


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", "Send each message as it happens"
    DIGEST = "digest", "Send one daily digest of the day's messages"


class Kind(models.TextChoices):
    QUERY_RAISED = "query_raised", "New data query"
    QUERY_ANSWERED = "query_answered", "Data query answered"
    MAJOR_DEVIATION = "major_deviation", "Major protocol deviation"


SAVED = "Your notification settings are saved."
NO_EMAIL = (
    "Your account has no e-mail address, so no message can reach you; ask the data manager "
    "to add one."
)
FOOTER = (
    "You receive this message because of your role at the site. Choose between messages as "
    "they happen and one daily digest under Notifications in the EDC."
)
