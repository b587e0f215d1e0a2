from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "edc.monitoring"
    label = "monitoring"
