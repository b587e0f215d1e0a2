"""Celery tasks of the outbox: run pending work (by row id), re-send what the broker missed."""

from celery import shared_task

from .services import DELIVER_TASK, RELAY_TASK, outbox_deliver, outbox_relay


@shared_task(bind=True, name=DELIVER_TASK, acks_late=True, ignore_result=True)
def deliver(self, ids: list[int] | None = None) -> int:
    """Run the rows ``ids``; the publisher sets this message's time limits to the work's.

    The Celery task id is the claim token: redelivered after its worker died, the message takes
    its rows back at once. A row already delivered or held by a live run is skipped.
    """
    return outbox_deliver(ids=ids, token=self.request.id)


@shared_task(
    bind=True,
    name=RELAY_TASK,
    acks_late=True,
    ignore_result=True,
    time_limit=120,
    soft_time_limit=100,
)
def relay(self) -> int:
    """Beat runs this every OUTBOX_RELAY_SECONDS; run eagerly, it delivers in process."""
    return outbox_relay(publish=not self.request.is_eager)
