from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "edc.operations"
    label = "operations"
    verbose_name = "Runtime operations"
