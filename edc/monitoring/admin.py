"""Read-only admin views: monitoring rows are written by the services only (audited)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import DataQuery, Lock, QueryMessage, SdvMark, Signature, SigningAttempt


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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


@admin.register(QueryMessage, SigningAttempt)
class AppendOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
