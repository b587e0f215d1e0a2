"""The Celery application. Broker = REDIS_URL; without it tasks run eagerly (see settings)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edc.settings.local")

app = Celery("edc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic tasks register themselves in app.conf.beat_schedule from their own modules.
app.conf.beat_schedule = {}


@app.task(name="edc.ping", acks_late=True)
def ping(value: int) -> int:
    """Round-trip probe used by operators (and CI) to prove a worker is consuming."""
    return value + 1
