from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "edc.notifications"
    label = "notifications"
    verbose_name = "Notifications"
