from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "edc.archive"
    label = "archive"
    verbose_name = "Casebook archive"
