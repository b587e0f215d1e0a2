"""Results computed from trial data, cached until the data change (issue 24).

``data_stamp(*models)`` is a cheap "last change" stamp, read in one query: the newest audit
entries (every audited write adds one, in the write's transaction) and the newest history
row of each model given (django-simple-history writes one for every save, audited or not).
A cached result is stored with the stamp it was computed after, so a result is never served
as current once any of those rows has changed: the next request sees a new stamp and computes
afresh (above ``REUSE_ABOVE_PATIENTS`` patients, see below: the last result, labelled with its
time, until a worker has computed the next). The stamp cannot miss a change:

* the stamp is read *before* the data, so a cached result is never older than its stamp;
* ids are handed out before commit, so a write still in flight can commit with an id below
  the newest one already seen; the stamp also counts the entries among the last
  ``WINDOW`` ids, which changes when such a write commits (a transaction would have to
  outlive ``WINDOW`` other writes to slip through);
* the newest row's time is part of the stamp too, so an id used again (SQLite after a
  rollback, as in tests) still gives a new stamp.

``cached(name, scope, stamp, compute)`` stores ``compute()`` in Django's cache (per process
unless ``CACHES`` says otherwise) for ``TIMEOUT`` seconds under (name, scope); the scope names
who may see the result (e.g. a role and its sites), never less. It returns a ``Result``: the
value, the time it was computed and whether it is *current* (computed after the newest change).

**Large trials: refreshed at most once a minute.** A result over many patients (``reuse_for``:
more than ``REUSE_ABOVE_PATIENTS``) takes seconds to compute, and in a trial with data entry
under way every save would start it again for every kind of reader: at 10,000 patients two
coordinators saving a form every 5 s put every page of 20 readers at p95 7.1 s (0.17 s with
this; bench/RESULTS.md). Such a result is reused for ``REFRESH_SECONDS`` after it was computed
even when the data changed since (``current`` is then False, and the page says as of when).
Past that time the next request asks a worker to compute its successor (``refresh``: a
Celery task on the background queue calling ``recompute``) and, like every request until it
is stored, gets the last one; if none is stored within ``LOCK_SECONDS`` (no worker), the
next request computes it. So a page is never older than ``REFRESH_SECONDS + LOCK_SECONDS``
(3 minutes) after a change. Results over fewer patients — this trial's 30 — are never
reused after a change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.core.cache import cache
from django.db import connection
from django.utils import translation
from kombu.exceptions import OperationalError as BrokerError

from edc.access.roles import is_deidentified
from edc.access.selectors import user_role, user_site_ids
from edc.audit.models import AuditEntry

T = TypeVar("T")
logger = logging.getLogger(__name__)
WINDOW = 1000
TIMEOUT = 86_400  # one entry per name and scope, checked against the stamp at every read
REUSE_ABOVE_PATIENTS = 300  # results over more patients are refreshed at most…
REFRESH_SECONDS = 60  # …once in this many seconds
LOCK_SECONDS = 2 * REFRESH_SECONDS  # a refresh not done by then (worker lost) starts again
_clock = time.time  # the time of a result (tests move it)


def _newest(table: str, pk: str, at: str) -> str:
    q = connection.ops.quote_name
    return (
        f"SELECT {q(pk)}, {q(at)}, 0 FROM (SELECT {q(pk)}, {q(at)} FROM {q(table)} "
        f"ORDER BY {q(pk)} DESC LIMIT 1) AS newest_{table}"
    )


def data_stamp(*models) -> str:
    """The state of the audit trail and of the given models' history, as one short string."""
    q = connection.ops.quote_name
    audit = AuditEntry._meta.db_table
    parts = [
        f"SELECT max({q('id')}), max({q('at')}), count(*) FROM {q(audit)} WHERE {q('id')} > "
        f"(SELECT coalesce(max({q('id')}), 0) FROM {q(audit)}) - {WINDOW}"
    ]
    for model in models:
        history = model.history.model._meta
        parts.append(_newest(history.db_table, history.pk.column, "history_date"))
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(f"SELECT * FROM ({p}) AS part" for p in parts))
        rows = cursor.fetchall()
    return hashlib.sha1(repr(rows).encode()).hexdigest()[:20]


def reader_scope(user) -> str:
    """Who may read a result computed for ``user``: their role, whether they read
    de-identified, the sites they see, and the active language (a page's words and numbers)."""
    sites = user_site_ids(user)
    seen = None if sites is None else sorted(sites)
    language = translation.get_language()
    return repr((user_role(user), is_deidentified(user), seen, language))


@dataclass(frozen=True)
class Result(Generic[T]):
    value: T
    computed_at: dt.datetime
    current: bool  # computed after the newest change of the data it reads

    @property
    def as_of(self) -> dt.datetime | None:
        """When a result reused after a change was computed (None when it is current)."""
        return None if self.current else self.computed_at


def reuse_for_page(page: dict) -> int:
    """Seconds a page's data may be reused after the data changed, by the number of patients
    it covers (``page["patients"]``): the ``reuse_for`` of the dashboard and endpoints pages."""
    return REFRESH_SECONDS if page["patients"] > REUSE_ABOVE_PATIENTS else 0


def _result(entry: tuple, current: bool) -> Result:
    _stamp, at, _reuse, value = entry
    return Result(value, dt.datetime.fromtimestamp(at, tz=dt.UTC), current)


def _key(name: str, scope: str) -> str:
    return f"edc:{name}:{hashlib.sha1(scope.encode()).hexdigest()[:16]}"


def cached(
    name: str,
    scope: str,
    stamp: str,
    compute: Callable[[], T],
    reuse_for: Callable[[T], int] = lambda value: 0,
    refresh: Callable[[], object] | None = None,
) -> Result[T]:
    """``compute()``'s result for ``scope`` as of ``stamp``; see the module's docstring.

    ``reuse_for(value)``: for how many seconds after it was computed the value may still be
    served once the data changed (0: never). ``refresh()``: starts a worker's ``recompute``
    of a reusable result past its time, so that no request waits for it; without it (or with
    the broker down) the request computes.
    """
    key = _key(name, scope)
    entry = cache.get(key)  # (stamp, computed at, reuse seconds, value)
    if entry is not None:
        if entry[0] == stamp:
            return _result(entry, current=True)
        age = _clock() - entry[1]
        if 0 <= age < entry[2]:
            return _result(entry, current=False)
        # Past its time: one request starts the next computation, the others keep the last.
        if entry[2] and not cache.add(f"{key}:computing", 1, LOCK_SECONDS):
            return _result(entry, current=False)
        # A worker asked before that has not delivered within LOCK_SECONDS (none runs the
        # queue, or it failed): this request computes, so no page stays old for long.
        if entry[2] and refresh is not None and age < entry[2] + LOCK_SECONDS:
            try:
                refresh()
            except BrokerError:
                logger.warning("No broker to refresh %s: computed in the request", name)
            else:
                done = cache.get(key)  # already there when tasks run eagerly (the demo)
                current = done is not None and done[0] == stamp
                return _result(done, current=True) if current else _result(entry, current=False)
    return recompute(name, scope, stamp, compute, reuse_for)


def recompute(
    name: str,
    scope: str,
    stamp: str,
    compute: Callable[[], T],
    reuse_for: Callable[[T], int] = lambda value: 0,
) -> Result[T]:
    """Compute and store the result (a request, or a worker ``refresh`` started)."""
    key = _key(name, scope)
    now = _clock()
    try:
        value = compute()
        cache.set(key, (stamp, now, reuse_for(value), value), TIMEOUT)
    finally:
        cache.delete(f"{key}:computing")
    return Result(value, dt.datetime.fromtimestamp(now, tz=dt.UTC), True)


# Celery tasks that compute a result for a reader (``refresh``): bounded, run one at a time.
REFRESH_TASK_OPTIONS = {"soft_time_limit": 540, "time_limit": 600}


@contextmanager
def as_reader(user_id: int, language: str):
    """The reader a ``refresh`` task computes for: their user, in the language they read."""
    from django.contrib.auth import get_user_model

    with translation.override(language):
        yield get_user_model().objects.get(pk=user_id)
