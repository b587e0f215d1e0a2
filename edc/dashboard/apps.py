from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "edc.dashboard"
    label = "dashboard"
