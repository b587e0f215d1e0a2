"""Read-only admin: clinical data are written through the services only (validators, audit)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    AdverseEvent,
    LesionMeasurement,
    NonTargetLesion,
    TargetLesion,
    TumourAssessment,
    VitalSigns,
)


class ReadOnlyAuditedAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TumourAssessment)
class TumourAssessmentAdmin(ReadOnlyAuditedAdmin):
    list_display = (
        "patient",
        "kind",
        "assessment_date",
        "calendar_code",
        "computed_overall_response",
        "investigator_response",
        "response_disagrees",
    )
    list_filter = ("kind", "response_disagrees")


@admin.register(AdverseEvent)
class AdverseEventAdmin(ReadOnlyAuditedAdmin):
    list_display = (
        "patient",
        "term",
        "grade",
        "start_date",
        "stop_date",
        "serious",
        "reported_late",
    )
    list_filter = ("grade", "serious", "reported_late")
    search_fields = ("term", "meddra_code")


@admin.register(VitalSigns)
class VitalSignsAdmin(ReadOnlyAuditedAdmin):
    list_display = ("patient", "visit", "measured_on", "weight_kg", "ecog")


admin.site.register(TargetLesion, ReadOnlyAuditedAdmin)
admin.site.register(NonTargetLesion, ReadOnlyAuditedAdmin)
admin.site.register(LesionMeasurement, ReadOnlyAuditedAdmin)
