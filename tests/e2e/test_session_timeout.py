"""The idle sign-out warning in a real browser: banner, "Stay signed in", then the sign-out.

A 15-second idle timeout with a 12-second warning keeps the test short (about 30 s); the
production defaults are 30 minutes and 2 minutes (EDC_IDLE_TIMEOUT_MINUTES accepts fractions).
"""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

STATUS = "() => fetch('/accounts/session/').then(r => r.json())"


def test_the_warning_appears_stay_signed_in_keeps_the_session_and_idleness_signs_out(
    page, login, shot, investigator, settings
):
    settings.EDC_IDLE_TIMEOUT_MINUTES = 0.25
    settings.EDC_IDLE_WARNING_SECONDS = 12
    login(investigator)
    banner = page.get_by_test_id("session-warning")
    expect(banner).to_be_hidden()

    expect(banner).to_be_visible(timeout=10_000)  # about 3 s after the page loaded
    expect(banner).to_contain_text(re.compile(r"You will be signed out in \d+ s"))
    shot("idle-warning")
    page.get_by_role("button", name="Stay signed in").click()
    expect(banner).to_be_hidden()
    state = page.evaluate(STATUS)  # the status check itself is not activity
    assert state["signed_out"] is False and state["remaining"] >= 12

    # No more activity: the banner comes back, counts down, and the server signs the user out.
    expect(banner).to_be_visible(timeout=10_000)
    expect(page.get_by_role("button", name="Log in")).to_be_visible(timeout=20_000)
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("ul.messages")).to_contain_text(
        "You were signed out after 0.25 minutes without activity."
    )
    shot("signed-out")
