"""Celery: the dashboard page of a large trial computed in a worker (edc.caching ``refresh``).

Asked for by the first request after the page's reuse time; it computes the page as the
reader would see it (their role, sites and language) and stores it for every later request.
Idempotent: a second run finds the same data and stores the same page.
"""

from celery import shared_task

from edc.caching import REFRESH_TASK_OPTIONS, as_reader, reuse_for_page
from edc.operations.routers import reading_replica

from .figures import Dashboard
from .page import page_data


@shared_task(name="edc.dashboard.refresh_page", **REFRESH_TASK_OPTIONS)
def refresh_page(user_id: int, language: str) -> None:
    with as_reader(user_id, language) as user, reading_replica():
        dashboard = Dashboard(user)
        dashboard.recompute("page", lambda: page_data(dashboard), reuse_for_page)
