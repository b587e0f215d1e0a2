"""The admin site: a read-only window, open only to an active superuser (break glass).

Trial roles work in the product's pages; ``is_staff`` alone opens nothing here. Every model
registered — by this project or by a library (accounts, groups, tokens, two-step devices) — is
made read-only at registration, so no admin page can write: clinical data are written through
the services (the one audited write path), accounts through the user-management pages with a
reason. Signing in to the admin goes through the same lockout and sign-in log as the product.
"""

from django.contrib.admin import AdminSite, ModelAdmin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}  # no bulk actions (the built-in one deletes)


class BreakGlassAdminSite(AdminSite):
    site_header = _("Trial EDC — read-only administration")
    site_title = _("Trial EDC administration")

    def has_permission(self, request) -> bool:
        user = request.user
        return user.is_active and user.is_superuser

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or ModelAdmin
        if not issubclass(admin_class, ReadOnlyAdminMixin):
            admin_class = type(
                f"ReadOnly{admin_class.__name__}", (ReadOnlyAdminMixin, admin_class), {}
            )
        super().register(model_or_iterable, admin_class, **options)


class EdcAdminConfig(AdminConfig):
    default_site = "edc.access.admin_site.BreakGlassAdminSite"
