"""The audited base model every clinical record inherits.

Every row carries a ``version`` (optimistic locking: a save from a stale version is refused)
and a django-simple-history trail with user, timestamp, old → new values and a reason for
change. Writes go through ``edc.audit.services``; queryset writes that would skip the history
(``update``, ``bulk_update``, ``bulk_create``) are refused here, at the deepest level.
"""

from django.conf import settings
from django.db import models
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


class AuditedModel(models.Model):
    # How to reach the record's site from this model, for access scoping ("patient__site").
    SITE_LOOKUP = "patient__site"
    # How to reach the record's patient id, for audit review and deviation checks.
    PATIENT_LOOKUP = "patient"

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
