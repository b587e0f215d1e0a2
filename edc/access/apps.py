from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "edc.access"
    label = "access"
    verbose_name = "Sites, users and roles"
