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
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _

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
        _("Report number"), help_text=_("0: the initial report; 1, 2…: the follow-ups.")
    )
    ae_version = models.PositiveIntegerField(_("Adverse event version reported"))
    changed = models.JSONField(_("What changed"), default=list, blank=True)
    content = models.JSONField(_("Event as reported"), default=dict)
    aware_at = models.DateTimeField(
        _("Aware at"), help_text=_("Initial report: the site's awareness; follow-up: the change.")
    )
    sent_at = models.DateTimeField(_("Sent at"), null=True, blank=True)
    recipients = models.JSONField(_("Sent to"), default=list, blank=True)
    acknowledged_at = models.DateTimeField(_("Acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Acknowledged by"),
    )
    escalated_at = models.DateTimeField(_("Escalated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("SAE report")
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
        return f"{self.title} — {term} — {self.content.get('patient') or gettext('patient')}"

    @property
    def title(self) -> str:
        if self.number == 0:
            return str(msg.INITIAL)
        return msg.FOLLOW_UP % {"number": self.number}

    @property
    def changed_display(self) -> list[str]:
        """What changed, in the reader's language (stored in English)."""
        return [gettext(label) for label in self.changed or []]

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
            if taken >= 1:
                n = round(taken)
                when = ngettext("%(n)s hour", "%(n)s hours", n) % {"n": n}
            else:
                when = gettext("less than an hour")
            if self.on_time:
                return gettext("Sent %(when)s after awareness: within %(hours)s hours.") % {
                    "when": when,
                    "hours": hours,
                }
            return gettext("Sent %(when)s after awareness: later than %(hours)s hours.") % {
                "when": when,
                "hours": hours,
            }
        if self.on_time is None:
            return gettext("Not sent yet; due within %(hours)s hours of awareness.") % {
                "hours": hours
            }
        return gettext("Not sent, and more than %(hours)s hours have passed since awareness.") % {
            "hours": hours
        }

    @property
    def status(self) -> str:
        if self.acknowledged_at:
            return pgettext("SAE report status", "Acknowledged")
        if self.escalated_at:
            return gettext("Escalated: not acknowledged")
        if self.sent_at:
            return gettext("Sent, waiting for acknowledgement")
        return gettext("Not sent yet")
