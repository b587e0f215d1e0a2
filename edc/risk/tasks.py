"""Celery: the nightly refresh of the site-risk indicators (idempotent: one run per day)."""

from celery import shared_task

from edc.deviations.tasks import TASK_OPTIONS

from .services import risk_refresh


@shared_task(name="edc.risk.refresh", **TASK_OPTIONS)
def refresh() -> dict:
    run = risk_refresh()
    return {"as_of": run.as_of.isoformat(), "patients": run.patients, "seconds": run.seconds}
