from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "edc.access"
    label = "access"
    verbose_name = _("Sites, users and roles")

    def ready(self) -> None:
        from . import (
            first_sign_in,  # noqa: F401 — temporary passwords
            signals,  # noqa: F401 — audited authentication events
        )
