"""Who is at the door: client address, lockout message, expiring API tokens, audited events.

* Lockout is django-axes (``AxesBackend`` first in ``AUTHENTICATION_BACKENDS``): after
  ``AXES_FAILURE_LIMIT`` failures for one username the account is refused for
  ``AXES_COOLOFF_TIME`` (or until ``manage.py unlock_user``). ``lockout_response`` is axes'
  ``AXES_LOCKOUT_CALLABLE``: the login page with a human message (the API keeps its JSON).
* API tokens are DRF's ``Token`` rows; ``ExpiringTokenAuthentication`` refuses one older than
  ``API_TOKEN_TTL_HOURS`` (401) and ``token_issue`` replaces it.
* Every event goes to the append-only ``AuthEvent`` through ``auth_event_record``.
"""

from datetime import timedelta
from ipaddress import ip_address as parse_ip

from django.conf import settings
from django.db import transaction
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer as DRFAuthTokenSerializer

from .constants import (
    ACCOUNT_LOCKED,
    ACCOUNT_LOCKED_NO_COOLOFF,
    TOKEN_EXPIRED,
    TOKEN_INVALID,
    AuthEventKind,
)
from .models import AuthEvent


def client_ip(request) -> str | None:
    """REMOTE_ADDR; the left-most X-Forwarded-For address only behind a trusted proxy
    (``EDC_TRUST_X_FORWARDED_FOR``), as a client can write that header itself."""
    if request is None:
        return None
    meta = getattr(request, "META", {})
    address = meta.get("REMOTE_ADDR", "")
    if getattr(settings, "EDC_TRUST_X_FORWARDED_FOR", False):
        forwarded = meta.get("HTTP_X_FORWARDED_FOR", "").split(",")[0].strip()
        address = forwarded or address
    try:
        return str(parse_ip(address))
    except ValueError:
        return None


def lockout_message() -> str:
    limit = settings.AXES_FAILURE_LIMIT
    cool_off = settings.AXES_COOLOFF_TIME
    if not cool_off:
        return _(ACCOUNT_LOCKED_NO_COOLOFF).format(limit=limit)
    return _(ACCOUNT_LOCKED).format(limit=limit, minutes=int(cool_off.total_seconds() // 60))


def lockout_response(request, original_response=None, credentials=None):
    """axes' AXES_LOCKOUT_CALLABLE: the styled login page saying the account is locked.

    The token endpoint already answered with its own JSON (429 + detail): kept as is.
    """
    if request.path.startswith("/api/") and original_response is not None:
        return original_response
    from django.contrib.auth.forms import AuthenticationForm

    username = (credentials or {}).get("username", "") if credentials else ""
    form = AuthenticationForm(request, initial={"username": username})
    context = {
        "form": form,
        "locked_message": lockout_message(),
        "next": request.POST.get("next", request.GET.get("next", "")),
    }
    return render(
        request, "registration/login.html", context, status=status.HTTP_429_TOO_MANY_REQUESTS
    )


def auth_event_record(
    *,
    kind: str,
    request=None,
    user=None,
    username: str = "",
    channel: str = "",
    actor: str = "",
    reason: str = "",
) -> AuthEvent:
    """Write one audited authentication event (who, when, from which address)."""
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if user is not None and not username:
        username = user.get_username()
    agent = ""
    if request is not None:
        agent = getattr(request, "META", {}).get("HTTP_USER_AGENT", "")
    return AuthEvent.objects.create(
        kind=kind,
        user=user,
        username=(username or "")[:150],
        ip_address=client_ip(request),
        user_agent=agent[:300],
        channel=channel,
        actor=actor[:150],
        reason=reason,
    )


# --- API tokens -------------------------------------------------------------------------------

ERROR_DETAIL = {  # OpenAPI schema of {"detail": message}
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}


class AuthTokenSerializer(DRFAuthTokenSerializer):
    """DRF's, with the username as long as a username can be (longer: 400, never a 500)."""

    username = serializers.CharField(
        label=gettext_lazy("Username"), write_only=True, max_length=150
    )


def token_ttl() -> timedelta:
    return timedelta(hours=settings.API_TOKEN_TTL_HOURS)


def token_is_expired(token: Token) -> bool:
    return token.created <= timezone.now() - token_ttl()


class TokenRefused(exceptions.APIException):
    """401 with a ``WWW-Authenticate: Token`` header. Not an ``AuthenticationFailed``: DRF
    would turn that into a 403 here, as session authentication comes first."""

    status_code = status.HTTP_401_UNAUTHORIZED
    default_code = "authentication_failed"
    auth_header = "Token"


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``; refused (401) when revoked, unknown or expired."""

    def authenticate_credentials(self, key):
        token = Token.objects.select_related("user").filter(key=key).first()
        if token is None:
            raise TokenRefused(_(TOKEN_INVALID))
        if not token.user.is_active:
            raise TokenRefused(_(TOKEN_INVALID))
        if token_is_expired(token):
            raise TokenRefused(_(TOKEN_EXPIRED))
        return (token.user, token)


@transaction.atomic
def token_issue(*, user, request=None) -> Token:
    """The user's current token, or a new one when there is none or it expired."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and token_is_expired(token):
        token.delete()
        token = None
    created = token is None
    if created:
        token = Token.objects.create(user=user)
    auth_event_record(
        kind=AuthEventKind.TOKEN_ISSUED,
        request=request,
        user=user,
        channel="api",
        reason="" if created else "The unexpired token was returned.",
    )
    return token


@transaction.atomic
def token_revoke(*, user, reason: str, request=None, actor: str = "", channel: str = "") -> int:
    """Delete the user's API token(s); the next call with it gets 401. Returns how many."""
    if not reason.strip():
        raise ValueError("A reason is required to revoke a token.")
    count, _details = Token.objects.filter(user=user).delete()
    auth_event_record(
        kind=AuthEventKind.TOKEN_REVOKED,
        request=request,
        user=user,
        channel=channel,
        actor=actor,
        reason=reason,
    )
    return count
