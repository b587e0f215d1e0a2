from django.apps import AppConfig


class DeviationsConfig(AppConfig):
    name = "edc.deviations"
    label = "deviations"
