from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "edc.access"
    label = "access"
    verbose_name = "Sites, users and roles"

    def ready(self) -> None:
        from . import (
            first_sign_in,  # noqa: F401 — temporary passwords
            signals,  # noqa: F401 — audited authentication events
        )
