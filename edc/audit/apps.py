from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "edc.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from .append_only import install_append_only_triggers

        post_migrate.connect(
            install_append_only_triggers, sender=self, dispatch_uid="edc-audit-append-only"
        )
