"""Database routing: the statisticians' exports and the dashboard read from a replica.

With ``DATABASE_REPLICA_URL`` set, settings define ``DATABASES["replica"]`` (a PostgreSQL
streaming standby). Code that only reads trial data for an export or the dashboard runs
inside ``reading_replica()``; there ``db_for_read`` answers ``"replica"``. Everywhere else,
and always without a replica, reads go where Django sends them by default (the primary).
Writes always go to the primary — also those made inside ``reading_replica()`` (the export
log, a package job's progress and file), so nothing is ever written to the standby.

A replica lags its primary by a moment: only reads that may be a little behind belong inside
``reading_replica()`` (never a page that shows what the user has just saved).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

REPLICA = "replica"
OWNER = "owner"  # DATABASE_MIGRATION_URL: the same primary database, as the tables' owner

_reading_replica: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "edc_reading_replica", default=False
)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def read_alias() -> str:
    """The database alias reads go to here and now ("replica" or "default")."""
    return REPLICA if _reading_replica.get() and replica_configured() else DEFAULT_DB_ALIAS


@contextmanager
def reading_replica() -> Iterator[str]:
    """Reads inside go to the replica when one is configured; yields the read alias."""
    token = _reading_replica.set(True)
    try:
        yield read_alias()
    finally:
        _reading_replica.reset(token)


def iterate_reading_replica(pieces: Iterable) -> Iterator:
    """``pieces`` produced inside ``reading_replica()``, one step at a time.

    For a streamed response or a package built piece by piece: the generator's reads run on
    the replica, but the consumer between two pieces (writing the export log, saving a job's
    progress) reads and writes as usual: a context variable set across a ``yield`` would leak
    into it.
    """
    iterator = iter(pieces)
    try:
        while True:
            with reading_replica():
                try:
                    piece = next(iterator)
                except StopIteration:
                    return
            yield piece
    finally:
        # Stopped early (a download the client abandoned): close the inner generator now,
        # so its transaction on the replica ends at once.
        close = getattr(iterator, "close", None)
        if close is not None:
            with reading_replica():
                close()


class ReplicaRouter:
    """Reads inside ``reading_replica()`` → the replica (when configured); writes → primary."""

    def db_for_read(self, model, **hints):
        if _reading_replica.get() and replica_configured():
            return REPLICA
        return None  # Django's default: the instance's database, else "default"

    def db_for_write(self, model, **hints):
        instance = hints.get("instance")
        if instance is not None and instance._state.db == REPLICA:
            return DEFAULT_DB_ALIAS  # a row read from the replica is saved on the primary
        return None  # Django's default: the instance's database (e.g. "owner"), else "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the primary's very rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db in (DEFAULT_DB_ALIAS, OWNER)  # never the standby (read-only)
