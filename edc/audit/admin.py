"""The Django admin is a read-only window for a break-glass superuser (issue 18 §2).

Every model is registered read-only (``edc.access.admin_site`` enforces it at registration,
``ReadOnlyAdmin`` adds django-simple-history's history view): records and their history can be
read, never added, changed or deleted there. Clinical data are written through the pages and
the API (the services, their validators and the one audited write path); accounts through the
user-management pages. Only an active superuser may open the admin at all; trial roles never
can, even with ``is_staff``. ``tests/edc/test_access_matrix.py`` checks every registered model.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from edc.access.admin_site import ReadOnlyAdminMixin

from .models import AuditEntry


class ReadOnlyAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Records with their history (django-simple-history's view), read-only."""


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The review index is written by the services and never edited."""

    list_display = ("at", "action", "model_label", "object_id", "patient_id", "user", "reason")
    list_filter = ("action", "model_label")
    search_fields = ("reason", "model_label")
    date_hierarchy = "at"
