from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Site, StaffProfile


@admin.register(Site)
class SiteAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "country")
    search_fields = ("code", "name")


@admin.register(StaffProfile)
class StaffProfileAdmin(SimpleHistoryAdmin):
    list_display = ("user", "role")
    list_filter = ("role", "sites")
    filter_horizontal = ("sites",)
