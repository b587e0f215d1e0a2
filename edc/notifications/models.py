"""Each user's choice of delivery, and every message owed to a person (sent once, never lost).

Not trial data: a message says *that* something happened and links to it; the record, its
free text and its audit trail stay in the EDC behind the sign-in. A ``Notification`` row is
written once per person and event (the unique constraint makes a re-run of the task a no-op)
and marked sent in the transaction that sends it.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .constants import Delivery, Kind


class NotificationPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    delivery = models.CharField(
        _("How to receive notifications"),
        max_length=10,
        choices=Delivery.choices,
        default=Delivery.IMMEDIATE,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification setting")

    def __str__(self) -> str:
        return f"Notifications of {self.user.get_username()}: {self.get_delivery_display()}"


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # What happened, once per person: "query-raised:12", "query-answered:12:3", "deviation:7".
    event_key = models.CharField(max_length=100)
    site = models.ForeignKey(
        "access.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject = models.CharField(max_length=300)
    text = models.CharField(_("What happened"), max_length=1000)
    url = models.CharField(_("Link"), max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    # The recipient's choice when the message was made: in the daily digest, or at once.
    digest = models.BooleanField(default=False)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event_key"], name="notification_once_per_person_and_event"
            ),
        ]
        indexes = [models.Index(fields=["sent_at", "digest"], name="notification_pending_idx")]

    def __str__(self) -> str:
        return self.subject
