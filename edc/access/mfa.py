"""Two-step sign-in (MFA): an authenticator app (TOTP) and single-use recovery codes.

Built on django-otp: a user's app is a confirmed ``TOTPDevice``, their recovery codes the
tokens of one ``StaticDevice``. A browser session is verified when django-otp's
``request.user.is_verified()``; ``edc.access.mfa_middleware`` keeps an unverified session on
the two-step pages.

* Who: with ``EDC_MFA_ENABLED``, every user with an app set up, and every user whose role is
  in ``EDC_MFA_REQUIRED_ROLES`` (investigators sign, data managers manage users and lock data):
  ``mfa_applies``. Users of other roles may set up an app from their account page.
* Codes: ``second_step`` checks a code typed after the password (the page or the API token
  endpoint): 6 digits are checked against the app, anything else against the recovery codes.
  A wrong code is an audited ``mfa_failed`` event and counts towards the django-axes lockout
  of the username, as a wrong password does; django-otp also slows repeated wrong codes down
  (1, 2, 4, 8… seconds, kept on the device until a right code, so signing in again with the
  password does not reset it).
* Set-up: ``enrolment_device`` (the app being set up, with its secret) and
  ``enrolment_confirm`` (a code from the app proves it is set up; 10 recovery codes are made).
* ``mfa_reset``: a data manager removes a user's app and recovery codes (with a reason); the
  user sets up a new app at their next sign-in.
Every event goes to the append-only ``AuthEvent`` through ``auth_event_record``.
"""

import base64
import io
import math
from dataclasses import dataclass, replace

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .authentication import auth_event_record, lockout_message
from .constants import API, WEB, AuthEventKind, Role
from .selectors import user_role

APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10
APP_CODE_DIGITS = 6
# Set in the session when it passed the second step: a session that has it but is no longer
# verified lost its app meanwhile (reset by a data manager) and is signed out.
SESSION_VERIFIED = "edc_mfa_verified"

# Messages users read (tests import them, in English): marked with ``gettext_noop`` and
# translated where they are shown. The reasons kept by audited events stay English.
CODE_MISSING = gettext_noop(
    "Enter the 6-digit code from your authenticator app, or one of your recovery codes."
)
CODE_WRONG = gettext_noop(
    "That code is not right. Check that the clock of your phone is right, then enter the code "
    "your app shows now."
)
CODE_WRONG_TRIES_LEFT = gettext_noop("{left} more wrong codes will lock the account.")
CODE_WRONG_LAST_TRY = gettext_noop("One more wrong code will lock the account.")
SETUP_CODE_WRONG = gettext_noop(
    "That code is not right. Check that you scanned the QR code (or typed the key) into your "
    "app and that the clock of your phone is right, then enter the code your app shows now."
)
SIGNED_OUT_AFTER_RESET = gettext_noop(
    "Your two-step sign-in was reset by a data manager. Sign in again to set up your "
    "authenticator app."
)
# Kept as the reason of the sign-out event (English).
SIGNED_OUT_LOCKED = "Signed out: too many wrong two-step codes."
API_CODE_MISSING = gettext_noop(
    "This account uses two-step sign-in: send the 6-digit code from your authenticator app "
    '(or one of your recovery codes) in the "otp" field.'
)
API_CODE_WRONG = gettext_noop("The two-step code is wrong or expired.")
API_SETUP_FIRST = gettext_noop(
    "This account must set up two-step sign-in before it can have an API token: sign in once "
    "in the browser to set up your authenticator app."
)
API_SESSION_UNVERIFIED = gettext_noop("Finish signing in (the two-step code) in the browser first.")
# Reasons kept by audited events (English).
SETUP_REASON_WRONG_CODE = "While setting up two-step sign-in."
RENEW_REASON = "New recovery codes made; the earlier ones no longer work."
RECOVERY_LEFT = "{left} recovery codes left."


# --- who ---------------------------------------------------------------------------------------


def mfa_enabled() -> bool:
    return bool(getattr(settings, "EDC_MFA_ENABLED", False))


def required_roles() -> frozenset[str]:
    """``EDC_MFA_REQUIRED_ROLES``; a name that is not a role is a configuration error (a typo
    must not silently spare a role from two-step sign-in)."""
    names = frozenset(settings.EDC_MFA_REQUIRED_ROLES)
    unknown = sorted(names - set(Role.values))
    if unknown:
        raise ImproperlyConfigured(
            f"EDC_MFA_REQUIRED_ROLES names unknown roles {unknown}; roles are {Role.values}."
        )
    return names


def mfa_required(user) -> bool:
    """Two-step sign-in is on and the user's role must use it."""
    return mfa_enabled() and user_role(user) in required_roles()


def app_device(user) -> TOTPDevice | None:
    """The user's authenticator app (confirmed TOTP device), if set up."""
    if not getattr(user, "is_authenticated", False):
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def has_app(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def mfa_applies(user) -> bool:
    """The user must give a code after the password: required by the role, or set up."""
    return mfa_enabled() and (mfa_required(user) or has_app(user))


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def secret_text(device: TOTPDevice) -> str:
    """The app's secret key as people type it into an app: base32, in groups of four."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_svg(device: TOTPDevice) -> bytes:
    """The QR code of the app's set-up link (otpauth://…), as an SVG image."""
    import segno

    out = io.BytesIO()
    segno.make(device.config_url, error="l").save(
        out,
        kind="svg",
        scale=4,
        border=4,
        dark="#000",
        light="#fff",
        xmldecl=False,
        omitsize=True,  # a viewBox only: the page's <img> sets the size
        title=_("QR code to scan with your authenticator app"),
    )
    return out.getvalue()


def slow_down_message(seconds: int) -> str:
    return ngettext(
        "Too many wrong codes in a row. Wait {seconds} second, then enter the code your app "
        "shows now.",
        "Too many wrong codes in a row. Wait {seconds} seconds, then enter the code your app "
        "shows now.",
        seconds,
    ).format(seconds=seconds)


def tries_left_message(left: int) -> str:
    if left == 1:
        return _(CODE_WRONG_LAST_TRY)
    return _(CODE_WRONG_TRIES_LEFT).format(left=left)


def format_recovery_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}" if len(code) == 8 else code


# --- checking a code ---------------------------------------------------------------------------

ACCEPTED = "accepted"
RECOVERY_ACCEPTED = "recovery_accepted"
WRONG = "wrong"
SLOW_DOWN = "slow_down"


@dataclass(frozen=True)
class CodeCheck:
    outcome: str
    device: object = None  # the device that accepted the code
    wait_seconds: int = 0  # SLOW_DOWN: until another code is checked
    recovery_left: int = 0  # RECOVERY_ACCEPTED: codes still unused
    tries_left: int | None = None  # WRONG: wrong codes before the account is locked
    locked: bool = False  # WRONG: this code locked the account

    @property
    def ok(self) -> bool:
        return self.outcome in (ACCEPTED, RECOVERY_ACCEPTED)


def normalise_code(text) -> str:
    """Spaces and hyphens dropped, lower case (recovery codes are shown as ``abcd-efgh``)."""
    return "".join(ch for ch in str(text or "") if not ch.isspace() and ch != "-").lower()


def is_app_code(code: str) -> bool:
    return len(code) == APP_CODE_DIGITS and code.isascii() and code.isdigit()


def _wait(device) -> int | None:
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    until = (info or {}).get("locked_until")
    seconds = (until - timezone.now()).total_seconds() if until else 1
    return max(1, math.ceil(seconds))


@transaction.atomic
def code_check(*, user, code: str, app_only: bool = False) -> CodeCheck:
    """Check a code against the user's app (6 digits) or recovery codes; nothing recorded.

    A recovery code is used up by a successful check. django-otp refuses codes while the
    device is slowed down after wrong ones (``SLOW_DOWN``, nothing checked).
    """
    code = normalise_code(code)
    if is_app_code(code):
        model = TOTPDevice
    elif app_only:
        return CodeCheck(WRONG)
    else:
        model = StaticDevice
    device = (
        model.objects.select_for_update().filter(user=user, confirmed=True).order_by("id").first()
    )
    if device is None or not code:
        return CodeCheck(WRONG)
    wait = _wait(device)
    if wait is not None:
        return CodeCheck(SLOW_DOWN, wait_seconds=wait)
    if not device.verify_token(code):
        return CodeCheck(WRONG)
    if model is StaticDevice:
        return CodeCheck(RECOVERY_ACCEPTED, device, recovery_left=device.token_set.count())
    return CodeCheck(ACCEPTED, device)


def _count_towards_lockout(request, user) -> tuple[int | None, bool]:
    """A wrong code is a failed sign-in for django-axes (same username, same limit)."""
    if request is None:
        return None, False
    credentials = {"username": user.get_username()}
    AxesProxyHandler.user_login_failed(sender=__name__, credentials=credentials, request=request)
    # edc.access.signals.on_locked_out noted a new lock (it is written after the failure).
    lock = getattr(request, "edc_new_lock", None)
    if lock is not None:
        request.edc_new_lock = None
        auth_event_record(kind=AuthEventKind.LOCKED_OUT, request=request, **lock)
    failures = getattr(request, "axes_failures_since_start", None)
    tries_left = None if failures is None else max(0, settings.AXES_FAILURE_LIMIT - failures)
    return tries_left, bool(getattr(request, "axes_locked_out", False))


def account_is_locked(request, user) -> bool:
    """django-axes holds the username locked (e.g. after wrong passwords elsewhere)."""
    return AxesProxyHandler.is_locked(request, {"username": user.get_username()})


def second_step(*, request, user, code: str, channel: str = WEB) -> CodeCheck:
    """Check the code typed after the password, and record what happened.

    Accepted: ``mfa_verified`` (or ``recovery_code_used``, with how many are left). Wrong:
    ``mfa_failed``, one more failure towards the lockout (``locked`` when it locked the
    account: ``locked_out`` is recorded too). Slowed down: nothing is checked or recorded.
    """
    result = code_check(user=user, code=code)
    if result.outcome == ACCEPTED:
        auth_event_record(
            kind=AuthEventKind.MFA_VERIFIED, request=request, user=user, channel=channel
        )
    elif result.outcome == RECOVERY_ACCEPTED:
        auth_event_record(
            kind=AuthEventKind.RECOVERY_CODE_USED,
            request=request,
            user=user,
            channel=channel,
            reason=RECOVERY_LEFT.format(left=result.recovery_left),
        )
    elif result.outcome == WRONG:
        auth_event_record(
            kind=AuthEventKind.MFA_FAILED, request=request, user=user, channel=channel
        )
        tries_left, locked = _count_towards_lockout(request, user)
        result = replace(result, tries_left=tries_left, locked=locked)
    return result


def session_verified(request, device) -> None:
    """Mark the browser session as past the second step (django-otp's and ours)."""
    otp_login(request, device)
    request.session[SESSION_VERIFIED] = True
    request.session.cycle_key()  # a new session id for the now fully signed-in session


def token_second_step(*, request, user, code: str) -> tuple[int, dict] | None:
    """The API token endpoint's second step: None to issue the token, else (status, body).

    Missing code: 400 ``{"otp": [message]}`` (as any invalid field); wrong code or no app set
    up yet: 401, slowed down or locked: 429, ``{"detail": message}``.
    """
    if not mfa_applies(user):
        return None
    if not has_app(user):
        return 401, {"detail": _(API_SETUP_FIRST)}
    if not normalise_code(code):
        return 400, {"otp": [_(API_CODE_MISSING)]}
    result = second_step(request=request, user=user, code=code, channel=API)
    if result.ok:
        return None
    if result.outcome == SLOW_DOWN:
        return 429, {"detail": slow_down_message(result.wait_seconds)}
    if result.locked:
        return 429, {"detail": lockout_message()}
    return 401, {"detail": _(API_CODE_WRONG)}


# --- setting up an app -------------------------------------------------------------------------


def enrolment_device(*, user) -> TOTPDevice:
    """The app being set up: the user's unconfirmed TOTP device with a new secret (made once,
    so the QR code and the key shown stay the same until it is confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def recovery_codes_replace(*, user) -> list[str]:
    """New recovery codes (the earlier ones stop working). Returned once, never shown again."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes: list[str] = []
    while len(codes) < RECOVERY_CODE_COUNT:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    for code in codes:
        device.token_set.create(token=code)
    return codes


@dataclass(frozen=True)
class Enrolment:
    check: CodeCheck
    recovery_codes: tuple[str, ...] = ()


@transaction.atomic
def enrolment_confirm(*, request, user, code: str) -> Enrolment:
    """A code from the app proves it is set up: the app is confirmed, 10 recovery codes are
    made, the session is verified and ``mfa_enrolled`` recorded. A wrong code is recorded
    (``mfa_failed``) but does not count towards the lockout (nothing is protected yet)."""
    if has_app(user):
        raise ValidationError(_("Two-step sign-in is already set up for this account."))
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("id")
        .first()
    )
    if device is None:
        raise ValidationError(_("Open the set-up page again: no app is being set up."))
    wait = _wait(device)
    if wait is not None:
        return Enrolment(CodeCheck(SLOW_DOWN, wait_seconds=wait))
    code = normalise_code(code)
    if not (is_app_code(code) and device.verify_token(code)):
        if not is_app_code(code):  # (a wrong 6-digit code is counted by verify_token)
            device.throttle_increment()
        auth_event_record(
            kind=AuthEventKind.MFA_FAILED,
            request=request,
            user=user,
            channel=WEB,
            reason=SETUP_REASON_WRONG_CODE,
        )
        return Enrolment(CodeCheck(WRONG))
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    codes = recovery_codes_replace(user=user)
    session_verified(request, device)
    auth_event_record(kind=AuthEventKind.MFA_ENROLLED, request=request, user=user, channel=WEB)
    return Enrolment(CodeCheck(ACCEPTED, device), tuple(codes))


@transaction.atomic
def recovery_codes_renew(*, request, user, code: str) -> Enrolment:
    """New recovery codes for a signed-in user who proves they hold the app (a 6-digit code)."""
    result = code_check(user=user, code=code, app_only=True)
    if not result.ok:
        if result.outcome == WRONG:
            auth_event_record(
                kind=AuthEventKind.MFA_FAILED,
                request=request,
                user=user,
                channel=WEB,
                reason="While making new recovery codes.",
            )
        return Enrolment(result)
    codes = recovery_codes_replace(user=user)
    auth_event_record(
        kind=AuthEventKind.MFA_ENROLLED,
        request=request,
        user=user,
        channel=WEB,
        reason=RENEW_REASON,
    )
    return Enrolment(result, tuple(codes))


# --- reset by a data manager -------------------------------------------------------------------


@transaction.atomic
def mfa_reset(*, user, actor, reason: str, request=None, channel: str = "") -> int:
    """Remove the user's authenticator app and recovery codes (audited ``mfa_reset``).

    For a lost or replaced phone. ``actor`` is who does it (a user, or a name for a command);
    nobody resets their own. The user's sessions that passed the second step are signed out
    at their next request; at the next sign-in a role that requires it sets up a new app.
    Returns how many devices (app, recovery code sets) were removed.
    """
    if not (reason or "").strip():
        raise ValidationError(_("A reason is required to reset two-step sign-in."))
    if getattr(actor, "pk", None) is not None and actor.pk == user.pk:
        raise ValidationError(_("Nobody resets their own two-step sign-in; ask a data manager."))
    actor_name = actor.get_username() if hasattr(actor, "get_username") else str(actor or "")
    apps, _details = TOTPDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.filter(user=user).count()
    StaticDevice.objects.filter(user=user).delete()
    auth_event_record(
        kind=AuthEventKind.MFA_RESET,
        request=request,
        user=user,
        channel=channel or (WEB if request is not None else ""),
        actor=actor_name,
        reason=reason.strip(),
    )
    return apps + recovery
