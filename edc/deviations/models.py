"""Protocol deviations found by the rules in edc/deviations/rules/, reviewed by people.

One row per (patient, rule, subject of the finding): the sweep is idempotent because it only
creates rows for new keys (and the unique constraint is the last guard), and it never deletes:
a finding that disappears after a correction is closed as "withdrawn — data corrected".
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from edc import protocol
from patients.models import Patient

from .constants import EVIDENCE_LABELS, RULE_LABELS, DeviationStatus


class Deviation(models.Model):
    SITE_LOOKUP = "patient__site"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="deviations")
    rule = models.CharField(
        max_length=40,
        choices=[(code, RULE_LABELS.get(code, code)) for code in protocol.DEVIATION_SEVERITY],
    )
    severity = models.CharField(
        max_length=5, choices=[(protocol.MAJOR, _("Major")), (protocol.MINOR, _("Minor"))]
    )
    subject_key = models.CharField(
        max_length=60, help_text="What the finding is about, e.g. the event code or record id."
    )
    summary = models.CharField(max_length=300)
    evidence = models.JSONField(default=dict)
    detected_at = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=DeviationStatus.choices, default=DeviationStatus.OPEN
    )
    status_comment = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-detected_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "rule", "subject_key"], name="deviation_once_per_finding"
            ),
        ]
        indexes = [
            models.Index(fields=["rule", "status"], name="deviation_rule_status_idx"),
            models.Index(fields=["status", "detected_at"], name="deviation_status_age_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_display()} — {self.patient}"

    @property
    def evidence_items(self) -> list[tuple[str, str]]:
        """The finding's evidence as (label, value) lines (dates as the pages print them);
        the id of the record it is about is left out (the page links the record)."""
        items = []
        for key, value in (self.evidence or {}).items():
            if key == "record_id" or "__" in key:
                continue
            label = EVIDENCE_LABELS.get(key) or key.replace("_", " ").capitalize()
            items.append((label, _evidence_text(value)))
        return items


def _evidence_text(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    text = str(value)
    moment = parse_datetime(text) if "T" in text or " " in text else None
    if moment is not None:
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return date_format(moment, "DATETIME_FORMAT")
    day = parse_date(text) if len(text) == 10 else None
    return date_format(day) if day is not None else text
