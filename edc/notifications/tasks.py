"""Celery tasks: take ids (or nothing), call one idempotent service, return a summary."""

from celery import shared_task

from edc.deviations.tasks import TASK_OPTIONS

from . import services


@shared_task(name="edc.notifications.query_raised", **TASK_OPTIONS)
def query_raised(query_id: int) -> int:
    return services.notify(services.query_raised_events([query_id]))


@shared_task(name="edc.notifications.query_answered", **TASK_OPTIONS)
def query_answered(query_id: int, version: int) -> int:
    return services.notify(services.query_answered_events(query_id, version))


@shared_task(name="edc.notifications.deviations_major", **TASK_OPTIONS)
def deviations_major(deviation_ids: list[int]) -> int:
    return services.notify(services.major_deviation_events(deviation_ids))


@shared_task(name="edc.notifications.send_digests", **TASK_OPTIONS)
def send_digests() -> int:
    return services.notifications_send_digests()
