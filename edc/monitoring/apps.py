from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "edc.monitoring"
    label = "monitoring"

    def ready(self):
        # The audited write path (edc.audit) calls these in every write's transaction.
        from edc.audit import hooks

        from .locks import lock_check
        from .reactions import data_changed

        hooks.register(before_write=lock_check, after_write=data_changed)
