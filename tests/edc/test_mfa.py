"""Two-step sign-in (TOTP authenticator app, recovery codes), the API token's code, the reset
by a data manager and the password change: what each page and endpoint lets through, and the
audited events. Codes are computed from the device's key, as an authenticator app does."""

import base64
import datetime as dt
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from edc.access import mfa
from edc.access.constants import AuthEventKind
from edc.access.models import AuthEvent

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pw-for-tests-1"
LOGIN = "/accounts/login/"
VERIFY = "/accounts/two-step/"
SETUP = "/accounts/two-step/setup/"
QR = "/accounts/two-step/setup/qr.svg"
CODES = "/accounts/two-step/recovery-codes/"
ACCOUNT = "/accounts/"
PASSWORD_PAGE = "/accounts/password/"
TOKEN = "/api/v1/auth/token/"
ADDRESS = "192.0.2.44"
LOCKED = (
    "This account is locked after 5 failed sign-ins. Try again in 30 minutes "
    "or ask the data manager to unlock it."
)


@pytest.fixture(autouse=True)
def _two_step_on(settings):
    settings.EDC_MFA_ENABLED = True
    # django-otp's slow-down after a wrong code (1, 2, 4 s…) is proven by its own test below.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    cache.clear()
    yield
    cache.clear()


def app_code(device: TOTPDevice) -> str:
    """What the authenticator app shows: the TOTP of the device's key at a time step the device
    has not accepted yet (a second code within 30 s is the next step's, inside the one-step
    tolerance; beyond that, wait for the clock)."""
    while True:
        device.refresh_from_db()
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        now = totp.t()
        target = max(now, device.last_t + 1)
        if target - now <= device.tolerance:
            totp.drift += target - now
            return f"{totp.token():0{device.digits}d}"
        time.sleep(1)


def wrong_code(device: TOTPDevice) -> str:
    """A 6-digit code that no step inside the tolerance window accepts."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    valid = set()
    for offset in range(-device.tolerance - 1, device.tolerance + 2):
        totp.drift = device.drift + offset
        valid.add(totp.token())
    return next(f"{n:06d}" for n in range(100000, 999999) if n not in valid)


def with_app(user) -> tuple[TOTPDevice, list[str]]:
    """An authenticator app set up for ``user``, and their recovery codes."""
    device = TOTPDevice.objects.create(user=user, name=mfa.APP_DEVICE_NAME, confirmed=True)
    return device, mfa.recovery_codes_replace(user=user)


def sign_in(client, username, password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ADDRESS)


def give_code(client, code, next_url="/"):
    return client.post(VERIFY, {"code": code, "next": next_url}, REMOTE_ADDR=ADDRESS)


def ask_token(username, password=PASSWORD, **extra):
    return APIClient().post(
        TOKEN,
        {"username": username, "password": password, **extra},
        format="json",
        REMOTE_ADDR=ADDRESS,
    )


def kinds(username):
    return list(
        AuthEvent.objects.filter(username=username).order_by("id").values_list("kind", flat=True)
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- settings ----------------------------------------------------------------------------------


def _setting_under(module: str, **env) -> str:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("EDC_MFA_")}
    environment |= {
        "DJANGO_SETTINGS_MODULE": module,
        "SECRET_KEY": "a-long-random-secret-key-for-this-settings-test-only-1234567890",
        "DATABASE_URL": "postgres://edc:edc@127.0.0.1:5432/edc",
        **env,
    }
    code = (
        "from django.conf import settings as s; print(s.EDC_MFA_ENABLED, s.EDC_MFA_REQUIRED_ROLES)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_two_step_sign_in_is_always_on_in_production_and_off_in_the_demo_unless_asked():
    required = "['investigator', 'data_manager']"
    assert _setting_under("edc.settings.production") == f"True {required}"
    assert _setting_under("edc.settings.production", EDC_MFA_ENABLED="0") == f"True {required}"
    assert _setting_under("edc.settings.local") == f"False {required}"
    assert _setting_under("edc.settings.local", EDC_MFA_ENABLED="1") == f"True {required}"


def test_a_misspelt_role_in_the_required_roles_is_a_configuration_error(settings, investigator):
    settings.EDC_MFA_REQUIRED_ROLES = ["investigators"]
    with pytest.raises(ImproperlyConfigured, match="unknown roles"):
        mfa.mfa_required(investigator)


# --- the second step in the browser ------------------------------------------------------------


def test_an_investigator_without_an_app_is_kept_on_the_set_up_page(client, investigator):
    assert sign_in(client, "inv_fr01").status_code == 302
    assert signed_in(client)
    home = client.get("/")
    assert home.status_code == 302 and home["Location"] == f"{SETUP}?next=%2F"
    patients = client.get("/patients/?page=2")
    assert patients["Location"] == f"{SETUP}?next=%2Fpatients%2F%3Fpage%3D2"
    assert client.get(ACCOUNT)["Location"].startswith(SETUP)
    assert client.get(PASSWORD_PAGE)["Location"].startswith(SETUP)
    assert client.get(VERIFY)["Location"].startswith(SETUP)  # no app: nothing to verify
    api = client.get("/api/v1/patients/")
    assert api.status_code == 403 and api.json() == {"detail": mfa.API_SESSION_UNVERIFIED}
    # The token endpoint answers for itself (its own credentials and code).
    token = client.post(
        TOKEN, {"username": "inv_fr01", "password": PASSWORD}, content_type="application/json"
    )
    assert token.status_code == 401 and token.json() == {"detail": mfa.API_SETUP_FIRST}
    # Still open: the set-up page (without the main menu), the session timer, logging out.
    page = client.get(SETUP)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'aria-label="Main"' not in html and 'data-testid="account-link"' not in html
    assert "Log out" in html
    assert client.get("/accounts/session/").json()["signed_out"] is False
    assert client.post("/accounts/logout/").status_code == 302
    assert not signed_in(client)
    assert kinds("inv_fr01") == [AuthEventKind.LOGIN, AuthEventKind.LOGOUT]


def test_setting_up_the_app_shows_qr_and_key_then_ten_recovery_codes_once(client, investigator):
    sign_in(client, "inv_fr01")
    page = client.get(SETUP, {"next": "/patients/"}).content.decode()
    device = TOTPDevice.objects.get(user=investigator)
    assert device.confirmed is False
    # The key as text, for manual entry, is the device's secret; the QR code is an image.
    shown = re.search(r'data-testid="mfa-secret">([A-Z2-7 ]+)<', page).group(1)
    assert base64.b32decode(shown.replace(" ", "")) == device.bin_key
    assert f'<img class="mfa-qr" src="{QR}"' in page
    assert "<script" not in page.split("</main>")[0]  # nothing inline in the page body
    qr = client.get(QR)
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    assert qr.content.startswith(b"<svg") and b"<path" in qr.content
    assert "no-store" in qr["Cache-Control"]
    # The same secret until it is confirmed (the QR code and the key must agree).
    client.get(SETUP)
    assert TOTPDevice.objects.get(user=investigator).key == device.key

    wrong = client.post(SETUP, {"code": wrong_code(device), "next": "/patients/"})
    assert wrong.status_code == 200 and mfa.SETUP_CODE_WRONG in wrong.content.decode()
    assert not TOTPDevice.objects.get(user=investigator).confirmed
    failed = AuthEvent.objects.get(kind=AuthEventKind.MFA_FAILED)
    assert (failed.user, failed.reason) == (investigator, mfa.SETUP_REASON_WRONG_CODE)

    confirmed = client.post(SETUP, {"code": app_code(device), "next": "/patients/"})
    assert confirmed.status_code == 302 and confirmed["Location"] == CODES
    device.refresh_from_db()
    assert device.confirmed
    shown_codes = client.get(CODES)
    html = shown_codes.content.decode()
    listed = re.findall(r"<li><code>([a-z2-7]{4})-([a-z2-7]{4})</code></li>", html)
    stored = set(
        StaticToken.objects.filter(device__user=investigator).values_list("token", flat=True)
    )
    assert len(listed) == 10 and {a + b for a, b in listed} == stored
    assert "Print these codes" in html and 'href="/patients/"' in html
    assert "no-store" in shown_codes["Cache-Control"]
    # Shown once: the page does not show them again.
    again = client.get(CODES)
    assert again.status_code == 302 and again["Location"] == ACCOUNT
    assert client.get("/patients/").status_code == 200  # the session is verified
    assert kinds("inv_fr01") == [
        AuthEventKind.LOGIN,
        AuthEventKind.MFA_FAILED,
        AuthEventKind.MFA_ENROLLED,
    ]


def test_with_an_app_the_code_is_asked_after_the_password(client, investigator):
    device, _ = with_app(investigator)
    sign_in(client, "inv_fr01")
    assert client.get("/patients/")["Location"] == f"{VERIFY}?next=%2Fpatients%2F"
    page = client.get(VERIFY, {"next": "/patients/"}).content.decode()
    assert "Enter the 6-digit code from your authenticator app" in page
    assert 'autocomplete="one-time-code"' in page

    wrong = give_code(client, wrong_code(device), "/patients/")
    assert wrong.status_code == 200 and signed_in(client)
    assert mfa.CODE_WRONG in wrong.content.decode()
    assert "4 more wrong codes will lock the account." in wrong.content.decode()
    assert client.get("/patients/").status_code == 302  # still not through

    before = client.session.session_key
    right = give_code(client, app_code(device), "/patients/")
    assert right.status_code == 302 and right["Location"] == "/patients/"
    assert client.session.session_key != before  # a new session id once fully signed in
    assert client.get("/patients/").status_code == 200
    assert client.get(VERIFY)["Location"] == "/"  # nothing more to do
    assert kinds("inv_fr01") == [
        AuthEventKind.LOGIN,
        AuthEventKind.MFA_FAILED,
        AuthEventKind.MFA_VERIFIED,
    ]
    failed = AuthEvent.objects.get(kind=AuthEventKind.MFA_FAILED)
    assert (failed.ip_address, failed.channel) == (ADDRESS, "web")


def test_the_same_code_is_not_accepted_twice(client, investigator):
    device, _ = with_app(investigator)
    code = app_code(device)
    sign_in(client, "inv_fr01")
    assert give_code(client, code).status_code == 302
    client.post("/accounts/logout/")
    sign_in(client, "inv_fr01")
    replay = give_code(client, code)
    assert replay.status_code == 200 and mfa.CODE_WRONG in replay.content.decode()


def test_an_external_next_address_is_not_followed(client, investigator):
    device, _ = with_app(investigator)
    sign_in(client, "inv_fr01")
    response = give_code(client, app_code(device), "https://evil.example.org/")
    assert response.status_code == 302 and response["Location"] == "/"


def test_a_recovery_code_signs_in_once_and_is_recorded(client, investigator):
    _, codes = with_app(investigator)
    sign_in(client, "inv_fr01")
    typed = f"{codes[3][:4].upper()} {codes[3][4:].upper()}"  # as printed, with a space
    response = give_code(client, typed)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    used = AuthEvent.objects.get(kind=AuthEventKind.RECOVERY_CODE_USED)
    assert (used.user, used.reason) == (investigator, "9 recovery codes left.")
    assert mfa.recovery_codes_left(investigator) == 9
    client.post("/accounts/logout/")
    sign_in(client, "inv_fr01")
    again = give_code(client, codes[3])
    assert again.status_code == 200 and mfa.CODE_WRONG in again.content.decode()


def test_using_a_recovery_code_warns_how_many_are_left(client, investigator):
    _, codes = with_app(investigator)
    sign_in(client, "inv_fr01")
    page = client.get(give_code(client, codes[0])["Location"]).content.decode()
    assert "You signed in with a recovery code" in page and "9 recovery codes left" in page


def test_five_wrong_codes_lock_the_account_and_sign_out(client, investigator):
    device, _ = with_app(investigator)
    sign_in(client, "inv_fr01")
    bad = wrong_code(device)
    for left in (4, 3, 2):
        page = give_code(client, bad).content.decode()
        assert f"{left} more wrong codes will lock the account." in page
    assert "One more wrong code will lock the account." in give_code(client, bad).content.decode()
    fifth = give_code(client, bad)
    assert fifth.status_code == 429 and LOCKED in fifth.content.decode()
    assert not signed_in(client)
    # The account is locked for the password too, as after five wrong passwords.
    assert sign_in(client, "inv_fr01").status_code == 429
    assert kinds("inv_fr01") == [
        AuthEventKind.LOGIN,
        *[AuthEventKind.MFA_FAILED] * 5,
        AuthEventKind.LOCKED_OUT,
        AuthEventKind.LOGOUT,
        AuthEventKind.LOGIN_FAILED,
    ]
    logout = AuthEvent.objects.get(kind=AuthEventKind.LOGOUT)
    assert logout.reason == mfa.SIGNED_OUT_LOCKED
    locked = AuthEvent.objects.get(kind=AuthEventKind.LOCKED_OUT)
    assert (locked.user, locked.reason) == (investigator, "5 failed sign-ins.")


def test_wrong_passwords_and_wrong_codes_count_towards_the_same_lockout(client, investigator):
    device, _ = with_app(investigator)
    for _ in range(3):
        assert sign_in(client, "inv_fr01", "wrong").status_code == 200
    # A right password forgets the typos (AXES_RESET_ON_SUCCESS); the codes count from there.
    sign_in(client, "inv_fr01")
    for _ in range(4):
        give_code(client, wrong_code(device))
    # Locked meanwhile by someone else's wrong password: the code page signs out too.
    sign_in(APIClient(), "inv_fr01", "wrong")
    response = give_code(client, app_code(device))
    assert response.status_code == 429 and LOCKED in response.content.decode()
    assert not signed_in(client)


def test_wrong_codes_slow_down_and_signing_in_again_does_not_reset_that(
    client, investigator, settings
):
    settings.OTP_TOTP_THROTTLE_FACTOR = 1  # django-otp's default: wait 1, 2, 4, 8… seconds
    device, _ = with_app(investigator)
    device_row = TOTPDevice.objects.filter(pk=device.pk)

    def later():  # as if the required wait had passed
        device_row.update(throttling_failure_timestamp=timezone.now() - dt.timedelta(minutes=1))

    sign_in(client, "inv_fr01")
    for _ in range(4):
        assert mfa.CODE_WRONG in give_code(client, wrong_code(device)).content.decode()
        later()
    assert give_code(client, wrong_code(device)).status_code == 429  # the fifth locks
    call_command("unlock_user", "inv_fr01", reason="Ticket 7, ID checked", by="dm")
    sign_in(client, "inv_fr01")
    # Five wrong codes in a row: 16 s before the next check, even after a new sign-in.
    too_soon = give_code(client, app_code(device))
    assert too_soon.status_code == 200
    assert re.search(
        r"Too many wrong codes in a row\. Wait 1[56] seconds, then enter",
        too_soon.content.decode(),
    )
    # Not checked: not counted as a failure either.
    assert kinds("inv_fr01").count(AuthEventKind.MFA_FAILED) == 5
    later()
    assert give_code(client, app_code(device)).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0  # a right code ends the slow-down


def test_an_optional_role_signs_in_with_the_password_and_may_set_up_an_app(client, statistician):
    sign_in(client, "stat")
    assert client.get("/").status_code == 200
    account = client.get(ACCOUNT).content.decode()
    assert "Not set up." in account and "optional for your role" in account
    assert f'href="{SETUP}"' in account
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=statistician)
    assert client.post(SETUP, {"code": app_code(device)})["Location"] == CODES
    assert "<code>" in client.get(CODES).content.decode()
    client.post("/accounts/logout/")
    # Set up: from now on the code is asked.
    sign_in(client, "stat")
    assert client.get("/")["Location"].startswith(VERIFY)
    assert give_code(client, app_code(device)).status_code == 302
    account = client.get(ACCOUNT).content.decode()
    assert "On." in account and 'data-testid="recovery-left">10<' in account


def test_new_recovery_codes_need_a_code_from_the_app_and_replace_the_old_ones(client, statistician):
    device, old_codes = with_app(statistician)
    sign_in(client, "stat")
    give_code(client, app_code(device))
    wrong = client.post(ACCOUNT, {"code": old_codes[0]})  # a recovery code is not enough
    assert wrong.status_code == 200 and mfa.CODE_WRONG in wrong.content.decode()
    assert mfa.recovery_codes_left(statistician) == 10
    made = client.post(ACCOUNT, {"code": app_code(device)})
    assert made["Location"] == CODES
    new_codes = re.findall(r"<code>(\w{4}-\w{4})</code>", client.get(CODES).content.decode())
    assert len(new_codes) == 10
    stored = set(
        StaticToken.objects.filter(device__user=statistician).values_list("token", flat=True)
    )
    assert stored == {c.replace("-", "") for c in new_codes} and not stored & set(old_codes)
    renewed = AuthEvent.objects.filter(kind=AuthEventKind.MFA_ENROLLED).get()
    assert renewed.reason == mfa.RENEW_REASON


def test_when_two_step_sign_in_is_off_the_password_is_enough_and_the_login_page_says_so(
    client, investigator, settings
):
    page = client.get(LOGIN).content.decode()
    assert 'data-testid="two-step-off"' not in page
    settings.EDC_MFA_ENABLED = False
    page = client.get(LOGIN).content.decode()
    assert "Two-step sign-in is off in this demo" in page
    sign_in(client, "inv_fr01")
    assert client.get("/").status_code == 200
    assert client.get(SETUP)["Location"] == ACCOUNT
    assert "Two-step sign-in is off in this demo" in client.get(ACCOUNT).content.decode()


# --- the API token -----------------------------------------------------------------------------


def test_the_api_token_needs_the_code_when_the_account_has_an_app(investigator):
    device, codes = with_app(investigator)
    missing = ask_token("inv_fr01")
    assert missing.status_code == 400 and missing.json() == {"otp": [mfa.API_CODE_MISSING]}
    wrong = ask_token("inv_fr01", otp=wrong_code(device))
    assert wrong.status_code == 401 and wrong.json() == {"detail": mfa.API_CODE_WRONG}
    assert not Token.objects.filter(user=investigator).exists()
    right = ask_token("inv_fr01", otp=app_code(device))
    assert right.status_code == 200
    assert right.json()["token"] == Token.objects.get(user=investigator).key
    assert ask_token("inv_fr01", otp=codes[0]).status_code == 200  # a recovery code too
    assert kinds("inv_fr01") == [
        AuthEventKind.MFA_FAILED,
        AuthEventKind.MFA_VERIFIED,
        AuthEventKind.TOKEN_ISSUED,
        AuthEventKind.RECOVERY_CODE_USED,
        AuthEventKind.TOKEN_ISSUED,
    ]
    assert set(AuthEvent.objects.values_list("channel", flat=True)) == {"api"}


def test_wrong_api_codes_lock_the_account(investigator):
    device, _ = with_app(investigator)
    for _ in range(4):
        assert ask_token("inv_fr01", otp=wrong_code(device)).status_code == 401
    fifth = ask_token("inv_fr01", otp=wrong_code(device))
    assert fifth.status_code == 429 and fifth.json() == {"detail": LOCKED}
    refused = ask_token("inv_fr01", otp=app_code(device))
    assert refused.status_code == 429 and not Token.objects.exists()
    assert AuthEvent.objects.filter(kind=AuthEventKind.LOCKED_OUT, user=investigator).exists()


def test_the_api_token_of_a_required_role_waits_for_the_app_and_others_need_no_code(
    investigator, statistician
):
    refused = ask_token("inv_fr01")
    assert refused.status_code == 401 and refused.json() == {"detail": mfa.API_SETUP_FIRST}
    assert ask_token("stat").status_code == 200


def test_a_token_keeps_working_without_a_session(investigator):
    device, _ = with_app(investigator)
    key = ask_token("inv_fr01", otp=app_code(device)).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/patients/").status_code == 200


# --- reset by a data manager -------------------------------------------------------------------


def test_reset_mfa_needs_a_reason_and_signs_out_the_user_who_then_sets_up_a_new_app(
    client, investigator
):
    device, _ = with_app(investigator)
    sign_in(client, "inv_fr01")
    give_code(client, app_code(device))
    assert client.get("/patients/").status_code == 200
    with pytest.raises(CommandError):
        call_command("reset_mfa", "inv_fr01")  # --reason is required
    with pytest.raises(CommandError, match="reason"):
        call_command("reset_mfa", "inv_fr01", reason="  ")
    with pytest.raises(CommandError, match="No user"):
        call_command("reset_mfa", "nobody", reason="x")
    call_command("reset_mfa", "inv_fr01", reason="Phone lost, ticket 42", by="dm-anna")
    assert not TOTPDevice.objects.filter(user=investigator).exists()
    assert mfa.recovery_codes_left(investigator) == 0
    reset = AuthEvent.objects.get(kind=AuthEventKind.MFA_RESET)
    assert (reset.user, reset.actor, reset.reason, reset.channel) == (
        investigator,
        "dm-anna",
        "Phone lost, ticket 42",
        "command",
    )
    # The verified session ends at its next request; the next sign-in asks for a new app.
    response = client.get("/patients/", follow=True)
    assert not signed_in(client)
    assert mfa.SIGNED_OUT_AFTER_RESET in response.content.decode()
    sign_in(client, "inv_fr01")
    assert client.get("/")["Location"].startswith(SETUP)


def test_mfa_reset_service_refuses_a_blank_reason_and_a_reset_of_ones_own(
    investigator, data_manager
):
    with_app(investigator)
    with_app(data_manager)
    with pytest.raises(ValidationError):
        mfa.mfa_reset(user=investigator, actor=data_manager, reason=" ")
    with pytest.raises(ValidationError, match="own"):
        mfa.mfa_reset(user=data_manager, actor=data_manager, reason="new phone")
    assert mfa.mfa_reset(user=investigator, actor=data_manager, reason="new phone") == 2
    event = AuthEvent.objects.get(kind=AuthEventKind.MFA_RESET)
    assert (event.user, event.actor) == (investigator, "dm")
    assert TOTPDevice.objects.filter(user=data_manager).exists()


# --- password change ---------------------------------------------------------------------------


def test_a_signed_in_user_changes_their_password_which_is_recorded(client, statistician):
    assert client.get(PASSWORD_PAGE)["Location"].startswith(LOGIN)
    sign_in(client, "stat")
    assert 'data-testid="account-link"' in client.get("/").content.decode()
    assert f'href="{PASSWORD_PAGE}"' in client.get(ACCOUNT).content.decode()
    form = client.get(PASSWORD_PAGE).content.decode()
    assert "Old password" in form and "New password confirmation" in form
    new = "a-new-Passw0rd-for-stat"
    wrong = client.post(
        PASSWORD_PAGE,
        {"old_password": "not-it", "new_password1": new, "new_password2": new},
    )
    assert wrong.status_code == 200 and "Your old password was entered incorrectly" in (
        wrong.content.decode()
    )
    assert not AuthEvent.objects.filter(kind=AuthEventKind.PASSWORD_CHANGED).exists()
    done = client.post(
        PASSWORD_PAGE,
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        REMOTE_ADDR=ADDRESS,
    )
    assert done.status_code == 302 and done["Location"] == ACCOUNT
    assert "Your password was changed." in client.get(ACCOUNT).content.decode()
    assert client.get("/").status_code == 200  # still signed in
    changed = AuthEvent.objects.get(kind=AuthEventKind.PASSWORD_CHANGED)
    assert (changed.user, changed.ip_address, changed.channel) == (statistician, ADDRESS, "web")
    client.post("/accounts/logout/")
    assert sign_in(client, "stat").status_code == 200  # the old password no longer works
    assert sign_in(client, "stat", new).status_code == 302


# --- templates ---------------------------------------------------------------------------------


def test_the_pages_have_no_inline_script_or_style():
    files = sorted((ROOT / "templates" / "access").glob("mfa_*.html")) + sorted(
        (ROOT / "templates" / "registration").glob("*.html")
    )
    assert len(files) >= 6
    for path in files:
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\ssrc=)", text), path
        assert "<style" not in text and " style=" not in text, path
        assert not re.search(r"\son[a-z]+=", text), path
