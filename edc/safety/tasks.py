"""Celery tasks: take ids (or nothing), call one idempotent service, return a summary."""

from celery import shared_task

from edc.deviations.tasks import TASK_OPTIONS

from . import services


@shared_task(name="edc.safety.report_adverse_event", **TASK_OPTIONS)
def report_adverse_event(adverse_event_id: int) -> dict:
    """Enqueued through the outbox by the AE service in the saving transaction."""
    return services.report_adverse_event(adverse_event_id)


@shared_task(name="edc.safety.escalate", **TASK_OPTIONS)
def escalate() -> dict:
    """Beat: send any report still pending (an SMTP outage), then escalate unacknowledged ones."""
    sent = services.sae_reports_send()
    return {"sent": sent, "escalated": services.sae_reports_escalate()}
