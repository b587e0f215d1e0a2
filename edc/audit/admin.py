"""Admin for data managers: history visible, edits only with a reason for change.

Admin saves take the same write path as every form and API call (``audited_create`` /
``audited_update``): the lock check, the version bump, the ``AuditEntry`` review row, the
clearing of SDV marks and the invalidation of signatures all apply to them too.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from edc.monitoring.locks import lock_check

from .exceptions import REASON_REQUIRED
from .models import AuditEntry
from .services import audited_create, audited_update


class ReasonForChangeForm(forms.ModelForm):
    reason_for_change = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=REASON_REQUIRED
    )

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and not (cleaned.get("reason_for_change") or "").strip():
            self.add_error("reason_for_change", REASON_REQUIRED)
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        # After the form's values reached the instance, so a new record's patient is known.
        try:
            lock_check(self.instance)
        except ValidationError as exc:
            self.add_error(None, exc)


class AuditedAdmin(SimpleHistoryAdmin):
    form = ReasonForChangeForm
    readonly_fields = ("version", "created_at", "updated_at", "created_by")

    def save_model(self, request, obj, form, change):
        reason = (form.cleaned_data.get("reason_for_change") or "").strip()
        if not change:
            audited_create(obj, user=request.user, reason=reason or "Initial entry")
            return
        model_fields = {f.name for f in obj._meta.concrete_fields}
        changes = {name: getattr(obj, name) for name in form.changed_data if name in model_fields}
        audited_update(
            obj, user=request.user, reason=reason, expected_version=None, changes=changes
        )

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the review index is written by the services and never edited."""

    list_display = ("at", "action", "model_label", "object_id", "patient_id", "user", "reason")
    list_filter = ("action", "model_label")
    search_fields = ("reason", "model_label")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
