"""Receivers writing AuthEvent rows from Django's auth signals and axes' lockout signal."""

import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .authentication import auth_event_record
from .constants import API, WEB, AuthEventKind
from .sessions import start_session_clock


def _channel(request) -> str:
    path = getattr(request, "path", "") or ""
    return API if path.startswith("/api/") else WEB


@receiver(user_logged_in, dispatch_uid="edc_access_logged_in")
def on_logged_in(sender, request, user, **kwargs):
    if request is None:
        return
    start_session_clock(request, now=time.time())
    auth_event_record(
        kind=AuthEventKind.LOGIN, request=request, user=user, channel=_channel(request)
    )


@receiver(user_logged_out, dispatch_uid="edc_access_logged_out")
def on_logged_out(sender, request, user, **kwargs):
    if request is None or user is None:
        return
    kind = getattr(request, "edc_logout_kind", AuthEventKind.LOGOUT)
    auth_event_record(
        kind=kind,
        request=request,
        user=user,
        channel=_channel(request),
        reason=getattr(request, "edc_logout_reason", ""),
    )


# axes' receivers are connected first (this module imports axes.signals before defining its
# own), so on a failed sign-in axes has counted it, and flagged a new lock, before these run.


@receiver(user_login_failed, dispatch_uid="edc_access_login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    if request is None:
        return
    # axes refused the attempt because the account is already locked (its backend flags the
    # request before counting; a counted failure has a failure count).
    refused = getattr(request, "axes_locked_out", False) and (
        getattr(request, "axes_failures_since_start", None) is None
    )
    auth_event_record(
        kind=AuthEventKind.LOGIN_FAILED,
        request=request,
        username=str(credentials.get("username", "")),
        channel=_channel(request),
        reason="Refused: the account is locked." if refused else "",
    )
    lock = getattr(request, "edc_new_lock", None)
    if lock is not None:
        request.edc_new_lock = None
        auth_event_record(kind=AuthEventKind.LOCKED_OUT, request=request, **lock)


@receiver(user_locked_out, dispatch_uid="edc_access_locked_out")
def on_locked_out(sender, request, username, ip_address, **kwargs):
    """axes locked the account: recorded right after the failure that locked it.

    axes also sends this for each attempt refused while locked (no failure count): those are
    recorded as refused sign-ins by ``on_login_failed``.
    """
    if request is None or getattr(request, "axes_failures_since_start", None) is None:
        return
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).first() if username else None
    request.edc_new_lock = {
        "user": user,
        "username": username or "",
        "channel": _channel(request),
        "reason": f"{request.axes_failures_since_start} failed sign-ins.",
    }
