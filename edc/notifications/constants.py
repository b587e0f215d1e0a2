"""Words of the notification e-mails and settings page (tests import them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", _("Send each message as it happens")
    DIGEST = "digest", _("Send one daily digest of the day's messages")


class Kind(models.TextChoices):
    QUERY_RAISED = "query_raised", _("New data query")
    QUERY_ANSWERED = "query_answered", _("Data query answered")
    MAJOR_DEVIATION = "major_deviation", _("Major protocol deviation")


SAVED = _("Your notification settings are saved.")
NO_EMAIL = _(
    "Your account has no e-mail address, so no message can reach you; ask the data manager "
    "to add one."
)
FOOTER = _(
    "You receive this message because of your role at the site. Choose between messages as "
    "they happen and one daily digest under Notifications in the EDC."
)
