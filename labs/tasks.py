"""Celery tasks of the lab app: take ids, call one idempotent service, return."""

from celery import shared_task
from django.db import OperationalError

from . import imports
from .storage import import_files_sweep


@shared_task(
    name="labs.import_batch",
    acks_late=True,
    reject_on_worker_lost=True,
    serializer="json",
    time_limit=3600,
    soft_time_limit=3500,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def import_batch(batch_id: int) -> str:
    """Advance a central-lab import (dry run or commit); safe to run twice or concurrently."""
    return imports.import_batch_process(batch_id=batch_id).status


@shared_task(name="labs.sweep_import_files", acks_late=True, reject_on_worker_lost=True)
def sweep_import_files() -> int:
    """Daily: remove stored lab files that no import batch names (idempotent)."""
    return len(import_files_sweep())
