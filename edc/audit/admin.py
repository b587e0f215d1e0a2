"""Admin for data managers: history visible, edits only with a reason for change."""

from django import forms
from simple_history.admin import SimpleHistoryAdmin

from .exceptions import REASON_REQUIRED


class ReasonForChangeForm(forms.ModelForm):
    reason_for_change = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=REASON_REQUIRED
    )

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and not (cleaned.get("reason_for_change") or "").strip():
            self.add_error("reason_for_change", REASON_REQUIRED)
        return cleaned


class AuditedAdmin(SimpleHistoryAdmin):
    form = ReasonForChangeForm
    readonly_fields = ("version", "created_at", "updated_at", "created_by")

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        obj._change_reason = form.cleaned_data.get("reason_for_change") or "Initial entry"
        if change:
            obj.version += 1
        else:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False
