"""Celery: the endpoints page of a large trial computed in a worker (edc.caching ``refresh``),
as the reader would see it, stored for every later request (idempotent)."""

from celery import shared_task

from edc.caching import (
    REFRESH_TASK_OPTIONS,
    as_reader,
    data_stamp,
    reader_scope,
    recompute,
    reuse_for_page,
)

from . import selectors
from .endpoints_page import ENDPOINTS_PAGE, endpoints_page


@shared_task(name="assessments.refresh_endpoints_page", **REFRESH_TASK_OPTIONS)
def refresh_endpoints_page(user_id: int, language: str) -> None:
    with as_reader(user_id, language) as user:
        recompute(
            ENDPOINTS_PAGE,
            reader_scope(user),
            data_stamp(*selectors.ENDPOINT_READS),
            lambda: endpoints_page(user),
            reuse_for_page,
        )
