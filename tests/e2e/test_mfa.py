"""Two-step sign-in in a real browser: the forced set-up of an investigator's authenticator app
(QR image, key as text, recovery codes), then signing in with the app's code and with a
recovery code; an optional role sets it up from its account page and changes its password.

The "authenticator app" is the test: it reads the key the page shows, as a person types it into
an app, and computes the TOTP codes from it (django_otp.oath.TOTP).
"""

import base64
import re
import time

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from edc.access.constants import AuthEventKind
from edc.access.models import AuthEvent

from .support import PASSWORD, flash

pytestmark = pytest.mark.e2e

WELCOME = re.compile(r"^Welcome")


@pytest.fixture(autouse=True)
def _two_step_on(settings):
    settings.EDC_MFA_ENABLED = True


@pytest.fixture
def csp_reports(page):
    """Content-Security-Policy refusals the browser reports (inline script or style)."""
    seen: list[str] = []
    page.on(
        "console",
        lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return seen


class AuthenticatorApp:
    """An authenticator app holding one key: a new 6-digit code each 30-second step, and never
    the code of a step it already gave (the server refuses a code twice)."""

    def __init__(self, key_text: str):
        self.key = base64.b32decode(key_text.replace(" ", ""))
        self.last_step = -1

    def code(self) -> str:
        while True:
            totp = TOTP(self.key)
            now = totp.t()
            step = max(now, self.last_step + 1)
            if step - now <= 1:  # the server accepts one step ahead
                totp.drift = step - now
                self.last_step = step
                return f"{totp.token():06d}"
            time.sleep(1)

    def wrong_code(self) -> str:
        """A code no step near now gives."""
        near = set()
        for drift in range(-2, 3):
            near.add(f"{TOTP(self.key, drift=drift).token():06d}")
        return next(code for code in ("000000", "111111", "222222", "333333") if code not in near)


def password_step(page: Page, user, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()


def set_up_app(page: Page) -> tuple[AuthenticatorApp, list[str]]:
    """On the set-up page: check the QR image, read the key, confirm a code; the codes shown."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-step sign-in")
    qr = page.get_by_test_id("mfa-qr")
    expect(qr).to_be_visible()
    # decode() waits for the image and fails on a broken one (e.g. refused by the CSP).
    assert qr.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    app = AuthenticatorApp(page.get_by_test_id("mfa-secret").inner_text())
    page.get_by_label("6-digit code from the app").fill(app.code())
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    codes = page.get_by_test_id("recovery-codes").locator("li").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{4}-[a-z2-7]{4}", c) for c in codes)
    # The print button is shown by the static script (nothing inline).
    expect(page.get_by_role("button", name="Print the codes")).to_be_visible()
    return app, codes


def test_an_investigator_sets_up_the_app_then_signs_in_with_its_code_or_a_recovery_code(
    page, shot, investigator, csp_reports
):
    password_step(page, investigator)
    # The role signs: the password alone leads to the set-up page, nowhere else.
    expect(page).to_have_url(re.compile(r"/accounts/two-step/setup/\?next=%2F$"))
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    page.goto("/patients/")
    expect(page).to_have_url(re.compile(r"/accounts/two-step/setup/"))
    shot("set-up-page", full_page=True)
    app, codes = set_up_app(page)
    shot("recovery-codes")
    page.get_by_role("link", name="I have kept my codes: continue").click()
    expect(page).to_have_url(re.compile(r"/patients/$"))

    # Next sign-in: the code from the app, after the password.
    log_out(page)
    password_step(page, investigator)
    expect(page.get_by_text("Enter the 6-digit code from your authenticator app")).to_be_visible()
    page.get_by_label("Code").fill(app.wrong_code())
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("That code is not right.")
    expect(page.get_by_role("alert")).to_contain_text("4 more wrong codes will lock the account.")
    shot("wrong-code")
    time.sleep(1.1)  # django-otp waits 1 s after a wrong code before it checks another
    page.get_by_label("Code").fill(app.code())
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1, name=WELCOME)).to_be_visible()

    # Without the phone: a recovery code, once.
    log_out(page)
    password_step(page, investigator)
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1, name=WELCOME)).to_be_visible()
    expect(flash(page)).to_contain_text("You signed in with a recovery code")
    expect(flash(page)).to_contain_text("9 recovery codes left")

    assert list(
        AuthEvent.objects.filter(user=investigator).order_by("id").values_list("kind", flat=True)
    ) == [
        AuthEventKind.LOGIN,
        AuthEventKind.MFA_ENROLLED,
        AuthEventKind.LOGOUT,
        AuthEventKind.LOGIN,
        AuthEventKind.MFA_FAILED,
        AuthEventKind.MFA_VERIFIED,
        AuthEventKind.LOGOUT,
        AuthEventKind.LOGIN,
        AuthEventKind.RECOVERY_CODE_USED,
    ]
    assert csp_reports == []


def test_a_statistician_changes_the_password_and_chooses_two_step_sign_in(
    page, shot, statistician, csp_reports
):
    password_step(page, statistician)
    expect(page.get_by_role("heading", level=1, name=WELCOME)).to_be_visible()  # optional role
    page.get_by_test_id("account-link").click()
    expect(page.get_by_test_id("two-step-status")).to_contain_text("Not set up.")

    page.get_by_role("link", name="Change password").click()
    new_password = "Another-passw0rd-2026"
    page.get_by_label("Old password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("New password confirmation").fill(new_password)
    page.get_by_role("button", name="Change password").click()
    expect(flash(page)).to_contain_text("Your password was changed.")

    page.get_by_role("link", name="Set up two-step sign-in").click()
    app, _ = set_up_app(page)
    page.get_by_role("link", name="I have kept my codes: continue").click()
    expect(page.get_by_role("heading", level=1, name=WELCOME)).to_be_visible()
    page.get_by_test_id("account-link").click()
    expect(page.get_by_test_id("two-step-status")).to_contain_text("On.")
    expect(page.get_by_test_id("recovery-left")).to_have_text("10")
    shot("account")

    log_out(page)
    password_step(page, statistician, new_password)
    page.get_by_label("Code").fill(app.code())
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1, name=WELCOME)).to_be_visible()
    assert AuthEvent.objects.filter(user=statistician, kind=AuthEventKind.PASSWORD_CHANGED).exists()
    assert csp_reports == []


def test_the_demo_login_page_says_two_step_sign_in_is_off(page, settings, investigator):
    settings.EDC_MFA_ENABLED = False
    page.goto("/accounts/login/")
    expect(page.get_by_test_id("two-step-off")).to_contain_text(
        "Two-step sign-in is off in this demo"
    )
    password_step(page, investigator)
    expect(page.get_by_role("heading", level=1, name=WELCOME)).to_be_visible()
