"""The Celery application. Broker = REDIS_URL; without it tasks run eagerly (see settings).

Queues (settings.CELERY_TASK_ROUTES), one worker pool each, e.g.:
    celery -A edc worker -Q interactive -c 4 -n interactive@%h   # checks of saves, outbox relay
    celery -A edc worker -Q sweeps -c 1 -n sweeps@%h             # nightly sweep, digests
    celery -A edc worker -Q exports -c 2 -n exports@%h           # export builds, lab imports
    celery -A edc worker -Q celery -c 1 -n default@%h            # edc.ping
    celery -A edc beat                                           # one, for the whole cluster
"""

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
    "nightly-audit-chain-verify": {
        "task": "edc.audit.verify_chain",
        "schedule": crontab(hour=1, minute=30),
    },
    "daily-lab-file-sweep": {
        "task": "labs.sweep_import_files",
        "schedule": crontab(hour=3, minute=30),
    },
    "daily-site-digest": {
        "task": "edc.deviations.send_site_digests",
        "schedule": crontab(hour=6, minute=30),
    },
    # Unacknowledged SAE reports escalate (and reports an SMTP outage left pending are sent).
    "sae-escalation": {
        "task": "edc.safety.escalate",
        "schedule": crontab(minute="*/15"),
    },
    "daily-notification-digest": {
        "task": "edc.notifications.send_digests",
        "schedule": crontab(hour=7, minute=0),
    },
    "nightly-site-risk": {
        "task": "edc.risk.refresh",
        "schedule": crontab(hour=2, minute=30),
    },
}


@app.on_after_configure.connect
def schedule_outbox_relay(sender: Celery, **kwargs) -> None:
    """Deliver, within a minute of the broker's return, work whose publish failed at commit."""
    from django.conf import settings

    seconds = settings.OUTBOX_RELAY_SECONDS
    sender.conf.beat_schedule["outbox-relay"] = {
        "task": "edc.outbox.relay",
        "schedule": seconds,
        # Ticks queued while no worker ran are dropped: one relay run catches up on all rows.
        "options": {"expires": seconds},
    }


@app.task(name="edc.ping", acks_late=True)
def ping(value: int) -> int:
    """Round-trip probe used by operators (and CI) to prove a worker is consuming."""
    return value + 1
