"""Django admin: a read view of laboratories and normal ranges with their history.

Writes go through the lab pages (``labs:laboratories``), which call the services and their
validators; the admin only shows the records and their audit trail.
"""

from django.contrib import admin

from edc.audit.admin import ReadOnlyAdmin

from .models import Laboratory, ReferenceRange


@admin.register(Laboratory)
class LaboratoryAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "site", "version")
    list_filter = ("site",)
    search_fields = ("code", "name")


@admin.register(ReferenceRange)
class ReferenceRangeAdmin(ReadOnlyAdmin):
    list_display = ("lab", "analyte", "sex", "low", "high", "effective_from", "version")
    list_filter = ("lab", "analyte", "sex")
