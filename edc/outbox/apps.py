from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "edc.outbox"
    label = "outbox"
    verbose_name = "Work queued by saves"
