"""The time the one write path records a write at: now, or a back-entry time.

Every audited write is stamped with :func:`audit_now` — the django-simple-history row's
``history_date`` and the ``AuditEntry.at`` of the review row. That is the wall clock, except
inside :func:`back_entry`, which the demo trial uses to record its data on the trial's own
timeline (a dose entered the day it was given) instead of the minute the demo was loaded.

Nothing a person can reach uses ``back_entry``: pages, the API, tasks and commands record the
wall clock. The hash chain (PostgreSQL, edc.audit.chain) hashes the row as written, whatever
its time, so a back-entered trail verifies like any other.
"""

import datetime as dt
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

_ENTERED_AT: ContextVar[dt.datetime | None] = ContextVar("edc_audit_entered_at", default=None)


def audit_now() -> dt.datetime:
    """The time to record an audited write at (the back-entry time inside ``back_entry``)."""
    return _ENTERED_AT.get() or timezone.now()


def back_entry_time() -> dt.datetime | None:
    """The back-entry time in force, or None when writes are recorded at the wall clock."""
    return _ENTERED_AT.get()


@contextmanager
def back_entry(at: dt.datetime):
    """Record the audited writes made inside the block as made at ``at`` (demo data only).

    ``at`` must be timezone-aware and not in the future: a trail never claims a write that has
    not happened yet.
    """
    if timezone.is_naive(at):
        raise ValueError("A back-entry time must be timezone-aware.")
    if at > timezone.now():
        raise ValueError("A back-entry time cannot be in the future.")
    token = _ENTERED_AT.set(at)
    try:
        yield at
    finally:
        _ENTERED_AT.reset(token)


def entry_time(day: dt.date, hour: int = 17, minute: int = 0) -> dt.datetime:
    """``hour:minute`` (local time) on ``day``, or now when that is still to come."""
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
    return min(at, timezone.now())


def back_entry_on(day: dt.date, hour: int = 17, minute: int = 0):
    """:func:`back_entry` at ``hour:minute`` of ``day`` (now at the latest)."""
    return back_entry(entry_time(day, hour, minute))
