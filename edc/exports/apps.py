from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "edc.exports"
    label = "exports"
