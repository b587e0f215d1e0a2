"""Read-only admin views: monitoring rows are written by the services only (audited)."""

from django.contrib import admin

from edc.access.models import SigningAttempt
from edc.audit.admin import ReadOnlyAdmin

from .models import DataQuery, Lock, QueryMessage, SdvMark, Signature


@admin.register(DataQuery)
class DataQueryAdmin(ReadOnlyAdmin):
    list_display = ("id", "status", "content_type", "object_id", "field", "patient", "raised_at")
    list_filter = ("status", "site", "content_type")


@admin.register(SdvMark)
class SdvMarkAdmin(ReadOnlyAdmin):
    list_display = ("id", "content_type", "object_id", "field", "version_verified", "cleared_at")
    list_filter = ("site", "content_type")


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    list_display = ("id", "patient", "scope", "printed_name", "signed_at", "status")
    list_filter = ("status",)


@admin.register(Lock)
class LockAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "scope",
        "patient",
        "content_type",
        "object_id",
        "locked_at",
        "unlocked_at",
    )
    list_filter = ("scope",)


admin.site.register(QueryMessage, ReadOnlyAdmin)
admin.site.register(SigningAttempt, ReadOnlyAdmin)
