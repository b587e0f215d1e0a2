"""Results computed from trial data, cached until the data change (issue 24).

``data_stamp(*models)`` is a cheap "last change" stamp, read in one query: the newest audit
entries (every audited write adds one, in the write's transaction) and the newest history
row of each model given (django-simple-history writes one for every save, audited or not).
A cached result is stored under a key that holds the stamp it was computed after, so a
result is never served once any of those rows has changed: the next request sees a new stamp
and computes afresh. Never stale, by construction:

* the stamp is read *before* the data, so a cached result is never older than its stamp;
* ids are handed out before commit, so a write still in flight can commit with an id below
  the newest one already seen; the stamp also counts the entries among the last
  ``WINDOW`` ids, which changes when such a write commits (a transaction would have to
  outlive ``WINDOW`` other writes to slip through);
* the newest row's time is part of the stamp too, so an id used again (SQLite after a
  rollback, as in tests) still gives a new stamp.

``cached(name, scope, stamp, compute)`` stores ``compute()`` in Django's cache (per process
unless ``CACHES`` says otherwise) for ``TIMEOUT`` seconds under (name, scope, stamp); the
scope names who may see the result (e.g. a role and its sites), never less.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import connection
from django.utils import translation

from edc.access.roles import is_deidentified
from edc.access.selectors import user_role, user_site_ids
from edc.audit.models import AuditEntry

T = TypeVar("T")
WINDOW = 1000
TIMEOUT = 600
_MISSING = object()


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


def cached(name: str, scope: str, stamp: str, compute: Callable[[], T]) -> T:
    key = f"edc:{name}:{hashlib.sha1(scope.encode()).hexdigest()[:16]}:{stamp}"
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(key, value, TIMEOUT)
    return value
