"""Data queries, source-data verification, investigator e-signatures and locks.

Generic over every audited record: a record is named by its content type and id, never by a
foreign key to an app's model, so any form of any app can be queried, verified, signed and
locked. These rows are themselves audited (``AuditedModel``), but they are monitoring metadata,
not trial data (``CLINICAL_DATA = False``): they cannot be locked or signed, and writing them
never clears a verification or invalidates a signature.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from edc.audit.display import in_language
from edc.audit.models import AuditedModel, AuditEntry
from patients.models import Patient

from .constants import (
    CASEBOOK,
    WAITING_ON,
    LockScope,
    MessageKind,
    QueryStatus,
    SignatureStatus,
    meaning_label,
)

USER = settings.AUTH_USER_MODEL


class AboutRecord(AuditedModel):
    """Monitoring data about one audited record (and, optionally, one of its fields)."""

    SITE_LOOKUP = "site"
    PATIENT_LOOKUP = "patient"
    CLINICAL_DATA = False

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    field = models.CharField(max_length=100, blank=True, help_text="Empty: the whole record.")
    # Copied from the record when created, for site scoping and per-patient counts.
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    site = models.ForeignKey(
        "access.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True

    @property
    def form_label(self) -> str:
        model = self.content_type.model_class()
        return in_language(model._meta.verbose_name) if model else self.content_type.model

    @property
    def field_label(self) -> str:
        """The field as its form labels it ("Weight (kg)"), empty for the whole record."""
        if not self.field:
            return ""
        model = self.content_type.model_class()
        try:
            return in_language(model._meta.get_field(self.field).verbose_name)
        except (AttributeError, FieldDoesNotExist):
            return self.field.replace("_", " ").capitalize()

    @property
    def record_label(self) -> str:
        """The record by form and visit and the patient's study number (its ``__str__``)."""
        model = self.content_type.model_class()
        record = model._base_manager.filter(pk=self.object_id).first() if model else None
        if record is not None:
            return str(record)
        return gettext("%(form)s (deleted)") % {"form": self.form_label}


class DataQuery(AboutRecord):
    """A question about a data point, raised by a monitor or an edit check, answered by the site."""

    question = models.TextField()
    status = models.CharField(max_length=10, choices=QueryStatus.choices, default=QueryStatus.OPEN)
    raised_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for automatic edit-check queries.",
    )
    raised_at = models.DateTimeField(default=timezone.now)
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reopened_at = models.DateTimeField(null=True, blank=True)
    # The edit check that raised it ("lab-range:123"): an automatic query is raised once.
    auto_key = models.CharField(max_length=200, null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = _("data query")
        verbose_name_plural = _("data queries")
        constraints = [
            models.UniqueConstraint(
                fields=["auto_key"],
                condition=Q(auto_key__isnull=False),
                name="data_query_automatic_raised_once",
            ),
            models.CheckConstraint(
                condition=Q(status__in=QueryStatus.values), name="data_query_known_status"
            ),
            models.CheckConstraint(
                condition=~Q(status=QueryStatus.ANSWERED) | Q(answered_at__isnull=False),
                name="data_query_answered_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status=QueryStatus.CLOSED) | Q(closed_at__isnull=False),
                name="data_query_closed_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="data_query_record"),
            models.Index(fields=["status", "site"], name="data_query_status_site"),
        ]

    def __str__(self) -> str:
        return f"Query #{self.pk}"

    @property
    def is_automatic(self) -> bool:
        return self.auto_key is not None

    @property
    def waiting_on(self) -> str:
        return WAITING_ON[self.status]

    @property
    def age_days(self) -> int:
        end = self.closed_at if self.status == QueryStatus.CLOSED else timezone.now()
        return (end - self.raised_at).days


class QueryMessage(models.Model):
    """One step of a query's thread (question, answer, closing note, re-opening reason).

    Append-only: the thread is the conversation as it happened.
    """

    APPEND_ONLY = True

    query = models.ForeignKey(DataQuery, on_delete=models.PROTECT, related_name="messages")
    kind = models.CharField(max_length=10, choices=MessageKind.choices)
    author = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    author_role = models.CharField(max_length=20, blank=True)
    at = models.DateTimeField(default=timezone.now)
    text = models.TextField(blank=True)
    # The data change that accompanied an answer (its reason cites "Query #<id>:").
    linked_change = models.ForeignKey(
        AuditEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on query #{self.query_id}"


class SdvMark(AboutRecord):
    """A monitor's source-data verification of a record (or one field) at one version.

    Active while ``cleared_at`` is empty; a later change of the data clears it (inside
    ``edc.audit.services``), naming the audit entry of that change.
    """

    verified_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField(default=timezone.now)
    # Empty only for a model that shadows the audited version with a data field.
    version_verified = models.PositiveIntegerField(null=True, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_by_change = models.ForeignKey(
        AuditEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-verified_at", "-id"]
        verbose_name = _("SDV mark")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "field"],
                condition=Q(cleared_at__isnull=True),
                name="sdv_one_active_mark_per_target",
            ),
            models.CheckConstraint(
                condition=Q(cleared_at__isnull=True) | Q(cleared_by_change__isnull=False),
                name="sdv_cleared_names_the_change",
            ),
        ]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="sdv_mark_record"),
            models.Index(fields=["patient", "cleared_at"], name="sdv_mark_patient"),
        ]

    def __str__(self) -> str:
        target = f", field {self.field_label}" if self.field else ""
        patient = f" — {self.patient}" if self.patient_id else ""
        return f"Source verification of {self.form_label}{target}{patient}"

    @property
    def is_active(self) -> bool:
        return self.cleared_at is None


class Signature(AuditedModel):
    """An investigator's electronic signature of a casebook or one calendar event (21 CFR 11.50).

    ``content_sha256`` hashes a canonical JSON of every audited record signed (all its values
    and versions); ``signed_records`` lists (form, id, version). Any later change of that data
    invalidates the signature and names the change.
    """

    CLINICAL_DATA = False
    IDENTIFYING_FIELDS = frozenset({"printed_name"})
    SHOWN_VALUES = {"meaning": meaning_label}

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="+", verbose_name=_("Patient")
    )
    scope = models.CharField(
        _("Scope"), max_length=20, help_text='"casebook" or a calendar event code.'
    )
    signer = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("Signer")
    )
    printed_name = models.CharField(_("Printed name"), max_length=300)
    signed_at = models.DateTimeField(_("Signed at"), default=timezone.now)
    # Stored in English (21 CFR 11.50); shown in the reader's language (SHOWN_VALUES).
    meaning = models.TextField(_("Meaning"))
    content_sha256 = models.CharField(_("Content fingerprint (SHA-256)"), max_length=64)
    signed_records = models.JSONField(_("Signed records"), default=list)
    status = models.CharField(
        _("Status"), max_length=12, choices=SignatureStatus.choices, default=SignatureStatus.VALID
    )
    invalidated_at = models.DateTimeField(_("Invalidated at"), null=True, blank=True)
    invalidating_change = models.ForeignKey(
        AuditEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Invalidating change"),
    )

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["-signed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "scope", "signer"],
                condition=Q(status=SignatureStatus.VALID),
                name="signature_one_valid_per_signer_and_scope",
            ),
            models.CheckConstraint(
                condition=Q(status=SignatureStatus.VALID, invalidated_at__isnull=True)
                | Q(status=SignatureStatus.INVALIDATED, invalidated_at__isnull=False),
                name="signature_invalidated_has_time",
            ),
        ]

    def __str__(self) -> str:
        when = date_format(timezone.localtime(self.signed_at), "DATETIME_FORMAT")
        # Translators: a signature's name: what was signed (the casebook or an event code),
        # the patient, the signer, when
        return gettext("Signature (%(what)s) of %(patient)s by %(name)s, %(when)s") % {
            "what": self.scope_label,
            "patient": self.patient,
            "name": self.printed_name,
            "when": when,
        }

    @property
    def is_valid(self) -> bool:
        return self.status == SignatureStatus.VALID

    @property
    def scope_label(self) -> str:
        """What was signed, as the page names it: the casebook or the event code."""
        # Translators: what an investigator signed: the whole casebook (else an event code)
        return gettext("casebook") if self.scope == CASEBOOK else self.scope

    @property
    def meaning_label(self) -> str:
        """The stored (English) meaning in the reader's language."""
        return meaning_label(self.meaning)


class Lock(AuditedModel):
    """A data manager's freeze of one record, one casebook or the whole database.

    Active while ``unlocked_at`` is empty; ``edc.monitoring.locks.lock_check`` refuses every
    audited write of trial data it covers.
    """

    SITE_LOOKUP = "site"
    PATIENT_LOOKUP = "patient"
    CLINICAL_DATA = False

    scope = models.CharField(_("Scope"), max_length=10, choices=LockScope.choices)
    content_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Form"),
    )
    object_id = models.PositiveBigIntegerField(_("Record number"), null=True, blank=True)
    patient = models.ForeignKey(
        Patient,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Patient"),
    )
    site = models.ForeignKey(
        "access.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Site"),
    )
    reason = models.TextField(_("Reason"))
    locked_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("Locked by")
    )
    locked_at = models.DateTimeField(_("Locked at"), default=timezone.now)
    unlocked_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Unlocked by"),
    )
    unlocked_at = models.DateTimeField(_("Unlocked at"), null=True, blank=True)
    unlock_reason = models.TextField(_("Reason for unlocking"), blank=True)

    class Meta:
        verbose_name = _("lock")
        verbose_name_plural = _("locks")
        ordering = ["-locked_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    scope=LockScope.RECORD,
                    content_type__isnull=False,
                    object_id__isnull=False,
                )
                | Q(scope=LockScope.PATIENT, content_type__isnull=True, patient__isnull=False)
                | Q(scope=LockScope.DATABASE, content_type__isnull=True, patient__isnull=True),
                name="lock_scope_names_its_target",
            ),
            models.CheckConstraint(
                condition=Q(unlocked_at__isnull=True) | ~Q(unlock_reason=""),
                name="lock_unlock_has_reason",
            ),
            models.UniqueConstraint(
                fields=["scope"],
                condition=Q(scope=LockScope.DATABASE, unlocked_at__isnull=True),
                name="lock_one_active_database_lock",
            ),
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(scope=LockScope.PATIENT, unlocked_at__isnull=True),
                name="lock_one_active_lock_per_patient",
            ),
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                condition=Q(scope=LockScope.RECORD, unlocked_at__isnull=True),
                name="lock_one_active_lock_per_record",
            ),
        ]

    def __str__(self) -> str:
        when = date_format(timezone.localtime(self.locked_at))
        if self.scope == LockScope.DATABASE:
            return gettext("Database lock of %(date)s") % {"date": when}
        if self.scope == LockScope.PATIENT:
            return gettext("Casebook lock of %(date)s") % {"date": when}
        return gettext("Record lock of %(date)s") % {"date": when}

    @property
    def is_active(self) -> bool:
        return self.unlocked_at is None
