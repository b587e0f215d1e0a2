from django.contrib import admin

from edc.audit.admin import ReadOnlyAdmin

from .models import Imp321Injection, PaclitaxelAdministration


@admin.register(PaclitaxelAdministration)
class PaclitaxelAdmin(ReadOnlyAdmin):
    list_display = ("patient", "cycle", "day", "administration_date", "status", "actual_dose_mg")
    list_filter = ("status", "patient__site")


@admin.register(Imp321Injection)
class Imp321Admin(ReadOnlyAdmin):
    list_display = ("patient", "injection_number", "injected_at", "status", "dose_mg")
    list_filter = ("status", "patient__site")
