from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "edc.risk"
    label = "risk"
    verbose_name = "Central monitoring"
