"""Read-only admin: clinical data are written through the services only (validators, audit)."""

from django.contrib import admin

from edc.audit.admin import ReadOnlyAdmin

from .models import (
    AdverseEvent,
    ConcomitantMedication,
    LesionMeasurement,
    NonTargetLesion,
    TargetLesion,
    TumourAssessment,
    VitalSigns,
)


@admin.register(TumourAssessment)
class TumourAssessmentAdmin(ReadOnlyAdmin):
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
class AdverseEventAdmin(ReadOnlyAdmin):
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
class VitalSignsAdmin(ReadOnlyAdmin):
    list_display = ("patient", "visit", "measured_on", "weight_kg", "ecog")


admin.site.register(TargetLesion, ReadOnlyAdmin)
admin.site.register(NonTargetLesion, ReadOnlyAdmin)
admin.site.register(LesionMeasurement, ReadOnlyAdmin)


@admin.register(ConcomitantMedication)
class ConcomitantMedicationAdmin(ReadOnlyAdmin):
    list_display = ("patient", "name", "atc_code", "start_date", "ongoing", "stop_date")
