"""Celery task of the archive package: take the job id, call one idempotent service, return."""

from celery import shared_task
from kombu.exceptions import OperationalError

from .constants import BUILD_TASK
from .services import archive_job_build


@shared_task(
    name=BUILD_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    serializer="json",
    time_limit=3600,
    soft_time_limit=3500,
    autoretry_for=(OperationalError, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def build_casebooks(job_id: int) -> str:
    """Build one casebook archive; a second delivery of the same job changes nothing."""
    return archive_job_build(job_id=job_id).status
