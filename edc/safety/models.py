"""SAE expedited reports: the initial report of a serious adverse event and its follow-ups.

A report is what was sent: the event as it stood (``content``, coded values in plain words, no
free text), to whom (``recipients``) and when, and who acknowledged it for the sponsor's safety
desk. Rows are audited (made, sent, acknowledged and escalated through ``edc.audit.services``),
but they are safety-reporting records, not trial data (``CLINICAL_DATA = False``): a lock does
not freeze them and writing them never clears an SDV mark or a signature.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from assessments.models import AdverseEvent
from edc import protocol
from edc.audit.models import AuditedModel
from patients.models import Patient

from . import constants as msg


class SaeReport(AuditedModel):
    SITE_LOOKUP = "patient__site"
    PATIENT_LOOKUP = "patient"
    CLINICAL_DATA = False
    # The addresses it went to: people's e-mail addresses (edc.audit.privacy).
    IDENTIFYING_FIELDS = frozenset({"recipients"})

    adverse_event = models.ForeignKey(
        AdverseEvent, on_delete=models.PROTECT, related_name="sae_reports"
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField(
        "Report number", help_text="0: the initial report; 1, 2…: the follow-ups."
    )
    ae_version = models.PositiveIntegerField("Adverse event version reported")
    changed = models.JSONField("What changed", default=list, blank=True)
    content = models.JSONField("Event as reported", default=dict)
    aware_at = models.DateTimeField(
        "Aware at", help_text="Initial report: the site's awareness; follow-up: the change."
    )
    sent_at = models.DateTimeField("Sent at", null=True, blank=True)
    recipients = models.JSONField("Sent to", default=list, blank=True)
    acknowledged_at = models.DateTimeField("Acknowledged at", null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="Acknowledged by",
    )
    escalated_at = models.DateTimeField("Escalated at", null=True, blank=True)

    class Meta:
        verbose_name = "SAE report"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["adverse_event", "number"], name="sae_report_number_once_per_event"
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(sent_at__isnull=False),
                name="sae_report_acknowledged_after_sent",
            ),
        ]
        indexes = [
            models.Index(fields=["acknowledged_at", "sent_at"], name="sae_report_open_idx"),
        ]

    def __str__(self) -> str:
        term = self.content.get("term", "")
        return f"{self.title} — {term} — {self.content.get('patient') or 'patient'}"

    @property
    def title(self) -> str:
        return msg.INITIAL if self.number == 0 else msg.FOLLOW_UP.format(number=self.number)

    @property
    def due_at(self) -> dt.datetime:
        return self.aware_at + dt.timedelta(hours=protocol.SAE_REPORT_HOURS)

    @property
    def hours_to_send(self) -> float | None:
        if self.sent_at is None:
            return None
        return (self.sent_at - self.aware_at).total_seconds() / 3600

    @property
    def on_time(self) -> bool | None:
        """Sent within the protocol's hours of awareness (None: not sent and not yet due)."""
        if self.sent_at is not None:
            return self.sent_at <= self.due_at
        return None if timezone.now() <= self.due_at else False

    @property
    def timeliness(self) -> str:
        """The 24-hour rule in words."""
        hours = protocol.SAE_REPORT_HOURS
        if self.sent_at is not None:
            taken = self.hours_to_send
            when = f"{taken:.0f} hours" if taken >= 1 else "less than an hour"
            if self.on_time:
                return f"Sent {when} after awareness: within {hours} hours."
            return f"Sent {when} after awareness: later than {hours} hours."
        if self.on_time is None:
            return f"Not sent yet; due within {hours} hours of awareness."
        return f"Not sent, and more than {hours} hours have passed since awareness."

    @property
    def status(self) -> str:
        if self.acknowledged_at:
            return "Acknowledged"
        if self.escalated_at:
            return "Escalated: not acknowledged"
        if self.sent_at:
            return "Sent, waiting for acknowledgement"
        return "Not sent yet"
