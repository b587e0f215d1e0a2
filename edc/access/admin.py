from django.contrib import admin

from edc.audit.admin import ReadOnlyAdmin

from .models import AuthEvent, Site, StaffProfile


@admin.register(Site)
class SiteAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "country")
    search_fields = ("code", "name")


@admin.register(StaffProfile)
class StaffProfileAdmin(ReadOnlyAdmin):
    list_display = ("user", "role")
    list_filter = ("role", "sites")


@admin.register(AuthEvent)
class AuthEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "username", "ip_address", "channel", "actor")
    list_filter = ("kind", "channel")
    search_fields = ("username",)
