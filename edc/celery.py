"""The Celery application. Broker = REDIS_URL; without it tasks run eagerly (see settings)."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edc.settings.local")

app = Celery("edc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "nightly-deviation-sweep": {
        "task": "edc.deviations.sweep_all",
        "schedule": crontab(hour=2, minute=0),
    },
    "daily-site-digest": {
        "task": "edc.deviations.send_site_digests",
        "schedule": crontab(hour=6, minute=30),
    },
}


@app.task(name="edc.ping", acks_late=True)
def ping(value: int) -> int:
    """Round-trip probe used by operators (and CI) to prove a worker is consuming."""
    return value + 1
