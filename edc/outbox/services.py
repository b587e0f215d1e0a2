"""The outbox: enqueue work in the saving transaction, deliver it from the workers.

* ``outbox_enqueue`` (the web) writes one row in the caller's transaction and, after commit,
  tries one fast publish of its delivery. A broker that is down costs a refused connection
  (milliseconds): no retries, no result backend, short socket timeouts. The row stays pending.
* ``outbox_deliver`` (a worker) takes pending rows, runs each task's work in process and marks
  it delivered, or records the error and backs off. The relay (``outbox_relay``, run by beat
  every ``OUTBOX_RELAY_SECONDS``) re-sends what the web could not publish, so pending work is
  delivered within a minute of the broker coming back, not at the nightly sweep.
* Eager mode (no ``REDIS_URL``: the demo and the tests) delivers at commit, in process.

Every task run this way is idempotent, so a second delivery (a re-sent message, a message
redelivered after its worker died) changes nothing.
"""

import datetime as dt
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)

DELIVER_TASK = "edc.outbox.deliver"
RELAY_TASK = "edc.outbox.relay"
# After this many failed runs a row is left for an operator (``last_error`` says why).
MAX_ATTEMPTS = 10
# Margin added to a task's time limit for its lease: a run that is still going is not taken
# again by the relay (a run whose worker died is taken back by its redelivered message).
LEASE_MARGIN_SECONDS = 60
# One publish attempt, and how long it may wait on a broker that does not answer.
PUBLISH_TIMEOUT_SECONDS = 0.5


# --- Web side ------------------------------------------------------------------------------------
def outbox_enqueue(*, task: str, args: list, key: str, what: str = "") -> int:
    """Record that ``task(*args)`` must run once the caller's transaction commits.

    Call inside the saving transaction. Saves with the same ``task`` and ``key`` coalesce into
    the one row not yet taken by a worker; that row is locked until the caller commits, so a
    worker cannot run the work before it can see this save. ``what`` names the work in logs.
    Returns the row id.
    """
    q = connection.ops.quote_name
    table, task_col, key_col = q(OutboxMessage._meta.db_table), q("task"), q("key")
    args_db = OutboxMessage._meta.get_field("args").get_db_prep_save(args, connection)
    with connection.cursor() as cursor:
        # The no-op update locks an existing untaken row until the caller commits (and takes
        # the conflict path when a concurrent save inserted it first); the predicate is the
        # constraint's (models.UNTAKEN).
        cursor.execute(
            f"INSERT INTO {table} ({task_col}, {q('args')}, {key_col}, {q('created_at')},"  # noqa: S608
            f" {q('claimed_by')}, {q('attempts')}, {q('last_error')})"
            " VALUES (%s, %s, %s, %s, '', 0, '')"
            f" ON CONFLICT ({task_col}, {key_col})"
            f" WHERE ({q('attempts')} = 0 AND {q('delivered_at')} IS NULL)"
            f" DO UPDATE SET {key_col} = EXCLUDED.{key_col} RETURNING {q('id')}",
            [task, args_db, key, timezone.now()],
        )
        (message_id,) = cursor.fetchone()
    # One delivery per row and transaction (Django drops these entries on rollback).
    for _sids, func, *_ in connection.run_on_commit:
        if getattr(func, "func", None) is _deliver_after_commit and func.args[0] == message_id:
            return message_id
    transaction.on_commit(partial(_deliver_after_commit, message_id, task, what or task))
    return message_id


def _deliver_after_commit(message_id: int, task: str, what: str) -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        outbox_deliver(ids=[message_id])
    elif not _publish(message_id, task):
        logger.warning(
            "Could not enqueue %s (outbox #%s): the relay delivers it once the broker is back",
            what,
            message_id,
        )


def _publish(message_id: int, task: str) -> bool:
    """One attempt to hand the delivery of a row to the broker; never raises, never waits."""
    from edc.celery import app

    target = _task(task)
    limits = {"time_limit": target.time_limit, "soft_time_limit": target.soft_time_limit}
    if limits["time_limit"] is None:
        limits = {}
    options = {
        **app.conf.broker_transport_options,
        # A broker that refuses fails at once; one that does not answer fails after this.
        "socket_connect_timeout": PUBLISH_TIMEOUT_SECONDS,
        "socket_timeout": PUBLISH_TIMEOUT_SECONDS,
        "max_retries": 0,
    }
    try:
        # A connection of its own: the pooled one would retry (and the worker's settings suit
        # long-lived consumers). ignore_result: no result-backend subscription (that one
        # retried twenty times, ~19 s, while Redis was down).
        with app.connection_for_write(
            connect_timeout=PUBLISH_TIMEOUT_SECONDS, transport_options=options
        ) as conn:
            app.send_task(
                DELIVER_TASK,
                kwargs={"ids": [message_id]},
                queue=queue_for(task),
                connection=conn,
                ignore_result=True,
                retry=False,
                **limits,
            )
    except Exception:  # noqa: BLE001 — the row stays pending; the relay re-sends it
        logger.debug("Publish of outbox #%s failed", message_id, exc_info=True)
        return False
    _rows(message_id).update(published_at=timezone.now())
    return True


def queue_for(task: str) -> str:
    """The queue whose workers run ``task`` (CELERY_TASK_ROUTES, else the default queue)."""
    from edc.celery import app

    route = (app.conf.task_routes or {}).get(task) or {}
    return route.get("queue", app.conf.task_default_queue)


def _task(name: str):
    from edc.celery import app

    if name not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks[name]


def _rows(*pks: int):
    """Outbox rows by id. Not an audited model: plain UPDATEs are its intended write path."""
    return OutboxMessage.objects.filter(pk__in=pks)


# --- Worker side ---------------------------------------------------------------------------------
def outbox_deliver(
    *, ids: Iterable[int] | None = None, limit: int = 100, token: str | None = None
) -> int:
    """Run pending rows (all, or ``ids``) and mark them delivered; return how many ran.

    Safe when several workers call it at once: rows are taken set-based with ``FOR UPDATE SKIP
    LOCKED`` (PostgreSQL) and leased for the task's time limit, so no row runs twice at the
    same time. ``token`` names this run (the Celery task id): a message redelivered after its
    worker died carries the same id and takes its rows back at once, without waiting for the
    lease. Call outside a transaction in production (each run commits on its own).
    """
    token = token or uuid.uuid4().hex
    claimed = _claim(ids=ids, limit=limit, token=token)
    for message in claimed:
        try:
            _task(message.task)(*message.args)
        except Exception as exc:  # noqa: BLE001 — recorded on the row, retried with back-off
            logger.warning("Outbox #%s (%s) failed", message.pk, message.task, exc_info=True)
            backoff = min(600, 10 * 2 ** (message.attempts - 1))
            _rows(message.pk).filter(claimed_by=token).update(
                last_error=f"{type(exc).__name__}: {exc}"[:2000],
                claimed_by="",
                lease_until=timezone.now() + dt.timedelta(seconds=backoff),
            )
        else:
            _rows(message.pk).filter(delivered_at__isnull=True).update(
                delivered_at=timezone.now(), claimed_by="", lease_until=None
            )
    return len(claimed)


def _claim(*, ids, limit: int, token: str) -> list[OutboxMessage]:
    now = timezone.now()
    with transaction.atomic():
        pending = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(delivered_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now) | Q(claimed_by=token))
            .order_by("pk")
        )
        if ids is not None:
            pending = pending.filter(pk__in=list(ids))
        messages = list(pending[:limit])
        by_task = defaultdict(list)
        for message in messages:
            by_task[message.task].append(message.pk)
        for task, pks in by_task.items():
            lease = (_task(task).time_limit or settings.CELERY_TASK_TIME_LIMIT) + (
                LEASE_MARGIN_SECONDS
            )
            _rows(*pks).update(
                attempts=F("attempts") + 1,
                claimed_by=token,
                lease_until=now + dt.timedelta(seconds=lease),
            )
    for message in messages:
        message.attempts += 1
    return messages


def outbox_relay(*, publish: bool = True, limit: int = 500) -> int:
    """Send the delivery of every pending row that no worker holds and the broker may not have.

    That is a row never published (the broker was down at commit) or published more than
    ``OUTBOX_REPUBLISH_SECONDS`` ago (the broker may have lost it). A duplicate delivery is a
    no-op. With ``publish=False`` (eager mode) the rows are delivered here. Returns the count.
    """
    now = timezone.now()
    stale = now - dt.timedelta(seconds=settings.OUTBOX_REPUBLISH_SECONDS)
    rows = list(
        OutboxMessage.objects.filter(delivered_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
        .filter(Q(published_at__isnull=True) | Q(published_at__lt=stale))
        .order_by("pk")
        .values_list("pk", "task")[:limit]
    )
    outbox_prune()
    if not publish:
        return outbox_deliver(ids=[pk for pk, _task_name in rows])
    sent = 0
    for pk, task in rows:
        if not _publish(pk, task):
            logger.warning("Outbox relay: the broker is unreachable; %s rows wait", len(rows))
            break
        sent += 1
    return sent


def outbox_prune() -> int:
    """Forget rows delivered more than ``OUTBOX_KEEP_DAYS`` ago (the work's own records stay).

    A delivered row only says that a check or a build was handed over; what the work produced
    (deviations, packages, imports) is kept, with its own audit trail. Rows still pending, and
    rows left for an operator after ``MAX_ATTEMPTS``, are never removed. Returns the count.
    """
    cutoff = timezone.now() - dt.timedelta(days=settings.OUTBOX_KEEP_DAYS)
    deleted, _by_model = OutboxMessage.objects.filter(delivered_at__lt=cutoff).delete()
    return deleted
