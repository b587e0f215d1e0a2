"""Idle timeout and absolute lifetime of browser sessions, enforced by the server.

The session holds when the user signed in and when they last did something. A request after
``EDC_IDLE_TIMEOUT_MINUTES`` without activity, or ``SESSION_COOKIE_AGE`` seconds after sign-in,
signs the user out (an audited ``session_expired`` event) and sends them to the login page
with a message. The page's warning (static/js/session-timeout.js) asks ``session-status``,
which is not activity; only its "Stay signed in" button (``keep-alive``) is.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from .constants import SESSION_IDLE_EXPIRED, SESSION_LIFETIME_EXPIRED, AuthEventKind

LOGIN_AT = "edc_login_at"
LAST_ACTIVITY = "edc_last_activity"


def idle_seconds() -> float:
    return float(settings.EDC_IDLE_TIMEOUT_MINUTES) * 60


def warning_seconds() -> float:
    return min(float(settings.EDC_IDLE_WARNING_SECONDS), idle_seconds())


def activity_resolution() -> float:
    """Last activity is rewritten at most this often (a session write per request otherwise)."""
    return min(60.0, idle_seconds() / 20)


def start_session_clock(request, *, now: float) -> None:
    session = getattr(request, "session", None)
    if session is None:
        return
    session[LOGIN_AT] = now
    session[LAST_ACTIVITY] = now


def idle_remaining(session, *, now: float) -> float:
    return idle_seconds() - (now - session.get(LAST_ACTIVITY, now))


def _minutes(value: float) -> str:
    return f"{value:g}"


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if session is not None and user is not None and user.is_authenticated:
            response = self._check(request, session)
            if response is not None:
                return response
        return self.get_response(request)

    def _check(self, request, session):
        now = time.time()
        if LOGIN_AT not in session or LAST_ACTIVITY not in session:
            # A session opened before this clock existed: it starts now.
            start_session_clock(request, now=session.get(LOGIN_AT, now))
        if now - session[LOGIN_AT] >= settings.SESSION_COOKIE_AGE:
            hours = _minutes(settings.SESSION_COOKIE_AGE / 3600)
            return self._expire(request, SESSION_LIFETIME_EXPIRED, hours=hours)
        if now - session[LAST_ACTIVITY] >= idle_seconds():
            minutes = _minutes(float(settings.EDC_IDLE_TIMEOUT_MINUTES))
            return self._expire(request, SESSION_IDLE_EXPIRED, minutes=minutes)
        if request.path != reverse("session-status") and (
            now - session[LAST_ACTIVITY] >= activity_resolution()
        ):
            session[LAST_ACTIVITY] = now
        return None

    def _expire(self, request, message: str, **values):
        """Sign out: the event keeps the English reason, the user reads it in their language
        (translated before ``logout``, which resets the session's language)."""
        shown = _(message).format(**values)
        request.edc_logout_kind = AuthEventKind.SESSION_EXPIRED
        request.edc_logout_reason = message.format(**values)
        logout(request)
        messages.info(request, shown)
        if request.path.startswith("/api/"):
            return None  # the API answers as to anyone not signed in
        if request.path == reverse("session-status"):
            return JsonResponse({"signed_out": True, "remaining": 0})
        return redirect_to_login(request.get_full_path())
