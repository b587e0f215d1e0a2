"""Django admin: a read view of laboratories and normal ranges with their history.

Writes go through the lab pages (``labs:laboratories``), which call the services and their
validators; the admin only shows the records and their audit trail.
"""

from django.contrib import admin

from edc.audit.admin import AuditedAdmin

from .models import Laboratory, ReferenceRange


class ReadOnlyAuditedAdmin(AuditedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Laboratory)
class LaboratoryAdmin(ReadOnlyAuditedAdmin):
    list_display = ("code", "name", "site", "version")
    list_filter = ("site",)
    search_fields = ("code", "name")


@admin.register(ReferenceRange)
class ReferenceRangeAdmin(ReadOnlyAuditedAdmin):
    list_display = ("lab", "analyte", "sex", "low", "high", "effective_from", "version")
    list_filter = ("lab", "analyte", "sex")
