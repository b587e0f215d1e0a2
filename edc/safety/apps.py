from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "edc.safety"
    label = "safety"
    verbose_name = "Safety reporting"
