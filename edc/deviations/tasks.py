"""Celery tasks: take ids (or nothing), call one idempotent service, return a summary."""

from celery import shared_task
from kombu.exceptions import OperationalError

from .services import deviations_sweep

TASK_OPTIONS = {
    "acks_late": True,
    # Requeued if the worker process dies mid-run (the services are idempotent).
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError, ConnectionError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 5,
    "soft_time_limit": 540,
    "time_limit": 600,
}


@shared_task(name="edc.deviations.sweep_all", **TASK_OPTIONS)
def sweep_all() -> dict:
    result = deviations_sweep()
    return {"created": result.created, "withdrawn": result.withdrawn, "reopened": result.reopened}


@shared_task(name="edc.deviations.check_patient", **TASK_OPTIONS)
def check_patient(patient_id: int) -> dict:
    result = deviations_sweep(patient_ids=[patient_id])
    return {"created": result.created, "withdrawn": result.withdrawn, "reopened": result.reopened}


@shared_task(name="edc.deviations.send_site_digests", **TASK_OPTIONS)
def send_site_digests() -> int:
    from .digest import send_site_digests as send

    return send()
