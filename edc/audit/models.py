"""The audited base model every clinical record inherits, and the audit-trail review index.

Every row carries a ``version`` (optimistic locking: a save from a stale version is refused)
and a django-simple-history trail with user, timestamp, old → new values and a reason for
change. Writes go through ``edc.audit.services``; queryset writes that would skip the history
(``update``, ``bulk_update``, ``bulk_create``, ``delete``) are refused here, at the deepest level.

``AuditEntry`` is the same trail denormalised into one table (one row per audited write, with
its patient, site, user and field-by-field changes), so a reviewer can filter every change of
every form across the trial without a query per history table.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from .exceptions import AuditBypassError, ReasonRequired


class AuditedQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditBypassError(
            f"{self.model.__name__}: QuerySet.update() would skip the audit trail; "
            "save each record through its service."
        )

    def bulk_update(self, *args, **kwargs):
        raise AuditBypassError(f"{self.model.__name__}: bulk_update() would skip the audit trail.")

    def bulk_create(self, *args, **kwargs):
        raise AuditBypassError(f"{self.model.__name__}: bulk_create() would skip the audit trail.")

    def delete(self):
        # Model.delete() (audited_delete, for models declaring AUDITED_DELETE = True) goes through
        # Django's collector and the base manager, never through this method.
        raise AuditBypassError(
            f"{self.model.__name__}: QuerySet.delete() would skip the audit trail; "
            "remove each record through its service (audited_delete, with a reason)."
        )

    delete.queryset_only = True


class AuditedModel(models.Model):
    # How to reach the record's site from this model, for access scoping ("patient__site").
    SITE_LOOKUP = "patient__site"
    # How to reach the record's patient id, for audit review and deviation checks.
    PATIENT_LOOKUP = "patient"
    # Records of the clinical apps are trial data: locks freeze them, monitors verify them,
    # investigators sign them (edc.audit.records.is_trial_data). False opts a model out.
    CLINICAL_DATA = True
    # Fields whose values are hidden from de-identified roles in the audit-trail review.
    IDENTIFYING_FIELDS: frozenset[str] = frozenset()
    # Short free-text CharFields (every TextField is free text already): also withheld from
    # de-identified readers (edc.audit.privacy).
    FREE_TEXT_FIELDS: frozenset[str] = frozenset()
    # Stored values kept in English that pages show in the reader's language: field name ->
    # function of the stored value (edc.audit.display.value_text; exports keep the stored value).
    SHOWN_VALUES: dict = {}

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
    )

    objects = AuditedQuerySet.as_manager()
    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # A change to a saved record without a reason never reaches the database.
        if not self._state.adding and not (getattr(self, "_change_reason", "") or "").strip():
            raise ReasonRequired()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if not (getattr(self, "_change_reason", "") or "").strip():
            raise ReasonRequired()
        return super().delete(*args, **kwargs)


class AuditAction(models.TextChoices):
    # Translators: the action of an audit-trail entry (a record was created, changed, deleted)
    CREATE = "create", pgettext_lazy("audit action", "Created")
    CHANGE = "change", pgettext_lazy("audit action", "Changed")
    DELETE = "delete", pgettext_lazy("audit action", "Deleted")


class AuditJSONEncoder(DjangoJSONEncoder):
    """Dates, decimals and UUIDs as Django encodes them; anything else by its text."""

    def default(self, o):
        try:
            return super().default(o)
        except TypeError:
            return str(o)


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditBypassError("Audit entries are append-only.")

    def bulk_update(self, *args, **kwargs):
        raise AuditBypassError("Audit entries are append-only.")

    def delete(self):
        raise AuditBypassError("Audit entries are append-only.")


class AuditEntry(models.Model):
    """One audited write (create, change or delete) of any audited record.

    Written by ``edc.audit.services`` in the same transaction as the record and its
    django-simple-history row; never changed afterwards (21 CFR 11.10(e): the trail must not
    obscure earlier values). On PostgreSQL a trigger refuses UPDATE and DELETE of its rows.
    ``changes`` lists ``{"field", "old", "new"}`` for every field the write changed; the patient
    and site are derived from the model's ``PATIENT_LOOKUP`` / ``SITE_LOOKUP`` at write time.
    """

    APPEND_ONLY = True

    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=6, choices=AuditAction.choices)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    object_id = models.PositiveBigIntegerField()
    model_label = models.CharField("Form", max_length=100, help_text='e.g. "patients.patient"')
    version = models.PositiveIntegerField(null=True, help_text="The record's version after it.")
    # No database constraint: the trail outlives the rows it describes.
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    site = models.ForeignKey(
        "access.Site",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    # The user's trial role when they made the change (shown instead of names to statisticians).
    user_role = models.CharField(max_length=20, blank=True)
    reason = models.TextField(blank=True)
    changes = models.JSONField(default=list, encoder=AuditJSONEncoder)
    # ",field_a,field_b," — lets the review filter on a changed field on every database.
    changed_fields = models.TextField(blank=True, default="")

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            # One per review filter, each ending on the time so a filtered page is an index
            # range read newest first; "-at" where the review also sorts by that column.
            # On PostgreSQL a GIN index on the changed fields serves the field filter
            # (migration 0002; see selectors.audit_entries_filter).
            models.Index(fields=["at"], name="audit_entry_at"),
            models.Index(fields=["site", "at"], name="audit_entry_site_at"),
            models.Index(fields=["patient", "-at"], name="audit_entry_patient_newest"),
            models.Index(fields=["user", "-at"], name="audit_entry_user_newest"),
            models.Index(fields=["model_label", "-at"], name="audit_entry_form_newest"),
            models.Index(fields=["action", "-at"], name="audit_entry_action_newest"),
            models.Index(fields=["content_type", "object_id", "at"], name="audit_entry_record_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.model_label} #{self.object_id} at {self.at}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditBypassError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditBypassError("Audit entries are append-only.")


class AuditChainLinkQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditBypassError("The audit chain is append-only.")

    def bulk_update(self, *args, **kwargs):
        raise AuditBypassError("The audit chain is append-only.")

    def bulk_create(self, *args, **kwargs):
        raise AuditBypassError("Audit chain links are written by the database only.")

    def delete(self):
        raise AuditBypassError("The audit chain is append-only.")


class AuditChainLink(models.Model):
    """One link of the tamper-evident hash chain of an append-only table (edc.audit.chain).

    Written only by the database: a deferred trigger on every append-only table (history
    tables, audit entries…) appends, when the inserting transaction commits, one link per new
    row: ``row_hash = sha256(canonical JSON of the row)`` and
    ``link_hash = sha256(prev_hash || row_hash)``, ``prev_hash`` being the table's previous link
    (one chain per table, ``seq`` 1, 2, 3…). ``content`` keeps the canonical JSON, so the
    verifier can show what a tampering changed. Never changed afterwards (trigger + privileges).
    """

    APPEND_ONLY = True

    table_name = models.CharField(max_length=63)
    seq = models.PositiveBigIntegerField()
    row_pk = models.BigIntegerField()
    row_hash = models.BinaryField()
    prev_hash = models.BinaryField()
    link_hash = models.BinaryField()
    content = models.JSONField()
    created_at = models.DateTimeField()

    objects = AuditChainLinkQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["table_name", "seq"], name="audit_chain_table_seq"),
            models.UniqueConstraint(fields=["table_name", "row_pk"], name="audit_chain_table_row"),
        ]

    def __str__(self) -> str:
        return f"{self.table_name} #{self.seq} (row {self.row_pk})"

    def save(self, *args, **kwargs):
        raise AuditBypassError("Audit chain links are written by the database only.")

    def delete(self, *args, **kwargs):
        raise AuditBypassError("The audit chain is append-only.")
