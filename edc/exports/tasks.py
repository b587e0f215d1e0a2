"""Celery task of the exports package: take the job id, call one idempotent service, return."""

from celery import shared_task
from kombu.exceptions import OperationalError

from .services import BUILD_TASK, export_package_build


@shared_task(
    name=BUILD_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    serializer="json",
    time_limit=3600,
    soft_time_limit=3500,
    # Retries only for a broker that is momentarily away; a failed build marks its job failed.
    autoretry_for=(OperationalError, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def build_package(job_id: int) -> str:
    """Build one export package; a second delivery of the same job changes nothing."""
    return export_package_build(job_id=job_id).status
