"""A database that cannot be reached gives HTTP 503 with a clear page (JSON under /api/).

When PostgreSQL is down, restarting or has just dropped our connection, every request that
touches it fails with Django's ``OperationalError``/``InterfaceError``. The user must read
that the trial database is away for a moment and that nothing was half-saved — true, because
each request is one transaction (``ATOMIC_REQUESTS``): a transaction the server lost is never
committed. Retry-After tells scripts when to try again.

Django turns an exception into a response inside every middleware layer, so this middleware
sees the exception two ways:

* ``process_exception`` — raised by a view or while rendering its template response;
* the ``got_request_exception`` signal — raised anywhere else below this middleware (the
  session or the user loaded by another middleware, the session saved on the way out): the
  request is marked, and the 500 that Django made of it is replaced here.

Only failures of the connection itself count (no sqlstate: refused, closed, reset; class 08;
57P01-57P03: administrator shutdown, crash, starting up or shutting down). A deadlock or a
cancelled statement stays an ordinary error.

A broken persistent connection (``CONN_MAX_AGE``) is not reused: Django closes a connection
whose request raised a database error, and ``CONN_HEALTH_CHECKS`` checks a reused connection
before its first query, so the first request after the database is back succeeds.
"""

from __future__ import annotations

import logging
import sys

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext, gettext_noop

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 60
# English here; shown in the language LocaleMiddleware chose for the request (gettext below).
MESSAGE = gettext_noop(
    "The trial database cannot be reached just now. Nothing you were saving was stored "
    "half-way: try again in a minute."
)
TEMPLATE = "503.html"
# SQLSTATEs of a connection that is gone or not accepting us (PostgreSQL appendix A).
CONNECTION_SQLSTATES = {"57P01", "57P02", "57P03"}
_MARK = "_edc_database_unavailable"
_FALLBACK_HTML = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Database unavailable'
    "</title></head><body><h1>The trial database is unavailable</h1><p>{message}</p>"
    "</body></html>"
)


def is_database_unavailable(exc: BaseException | None) -> bool:
    """True when ``exc`` (or what caused it) says the database connection is unusable."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, InterfaceError):
            return True
        if isinstance(exc, OperationalError):
            cause = exc.__cause__
            sqlstate = getattr(cause, "sqlstate", None)
            return sqlstate is None or sqlstate[:2] == "08" or sqlstate in CONNECTION_SQLSTATES
        exc = exc.__cause__ or exc.__context__
    return False


def wants_json(request) -> bool:
    if request.path.startswith("/api/"):
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def unavailable_response(request) -> HttpResponse:
    """The 503 the user sees: a standalone page (no user, no session, no database)."""
    message = gettext(MESSAGE)
    if wants_json(request):
        response = JsonResponse({"detail": message}, status=503)
    else:
        try:
            html = render_to_string(TEMPLATE, {"message": message})
        except Exception:  # noqa: BLE001 — the page must never fail in its turn
            logger.exception("Could not render %s", TEMPLATE)
            html = _FALLBACK_HTML.format(message=message)
        response = HttpResponse(html, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _remember_failure(sender, request=None, **kwargs) -> None:
    exc = sys.exc_info()[1]
    if request is not None and is_database_unavailable(exc):
        setattr(request, _MARK, True)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        got_request_exception.connect(_remember_failure, dispatch_uid=__name__)

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, _MARK, False):
            return unavailable_response(request)
        return response

    def process_exception(self, request, exception):
        if not is_database_unavailable(exception):
            return None
        logger.warning("Database unavailable (%s %s): %s", request.method, request.path, exception)
        return unavailable_response(request)
