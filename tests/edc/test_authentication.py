"""Signing in: lockout after failed sign-ins (web and API token), unlock with a reason, idle and
absolute session limits, expiring and revocable API tokens, the audited sign-in log."""

import datetime as dt
import time

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from edc.access.authentication import lockout_message
from edc.access.constants import (
    SESSION_IDLE_EXPIRED,
    TOKEN_EXPIRED,
    TOKEN_INVALID,
    AuthEventKind,
)
from edc.access.models import AuthEvent
from edc.access.sessions import LAST_ACTIVITY, LOGIN_AT

PASSWORD = "pw-for-tests-1"
LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"
ADDRESS = "192.0.2.17"
LOCKED = (
    "This account is locked after 5 failed sign-ins. Try again in 30 minutes "
    "or ask the data manager to unlock it."
)


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()  # the token endpoint's throttle counts live in the cache
    yield
    cache.clear()


def sign_in(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ADDRESS)


def ask_token(username, password):
    return APIClient().post(
        TOKEN, {"username": username, "password": password}, format="json", REMOTE_ADDR=ADDRESS
    )


def kinds(username):
    return list(
        AuthEvent.objects.filter(username=username).order_by("id").values_list("kind", flat=True)
    )


# --- lockout -----------------------------------------------------------------------------------


def test_the_settings_lock_after_five_failures_for_thirty_minutes():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert dt.timedelta(minutes=30) == settings.AXES_COOLOFF_TIME
    assert lockout_message() == LOCKED


def test_five_wrong_passwords_lock_the_account_and_the_right_one_is_then_refused(
    client, investigator
):
    for _ in range(4):
        response = sign_in(client, "inv_fr01", "wrong")
        assert response.status_code == 200 and LOCKED not in response.content.decode()
    fifth = sign_in(client, "inv_fr01", "wrong")
    assert fifth.status_code == 429 and LOCKED in fifth.content.decode()
    right = sign_in(client, "inv_fr01", PASSWORD)
    assert right.status_code == 429
    page = right.content.decode()
    assert LOCKED in page and 'data-testid="account-locked"' in page
    assert 'name="password"' in page  # the styled login page, not axes' bare text
    assert "_auth_user_id" not in client.session
    assert kinds("inv_fr01") == [AuthEventKind.LOGIN_FAILED] * 5 + [
        AuthEventKind.LOCKED_OUT,
        AuthEventKind.LOGIN_FAILED,  # the right password, refused while locked
    ]
    refused = AuthEvent.objects.filter(username="inv_fr01").order_by("id").last()
    assert refused.reason == "Refused: the account is locked." and refused.ip_address == ADDRESS


def test_the_token_endpoint_counts_towards_the_same_lockout(client, statistician):
    for _ in range(3):
        assert sign_in(client, "stat", "wrong").status_code == 200
    assert ask_token("stat", "wrong").status_code == 400
    locked = ask_token("stat", "wrong")
    assert locked.status_code == 429 and locked.json() == {"detail": LOCKED}
    refused = ask_token("stat", PASSWORD)
    assert refused.status_code == 429 and refused.json() == {"detail": LOCKED}
    assert sign_in(client, "stat", PASSWORD).status_code == 429
    assert not Token.objects.filter(user=statistician).exists()
    locked_event = AuthEvent.objects.get(kind=AuthEventKind.LOCKED_OUT)
    assert (locked_event.channel, locked_event.user) == ("api", statistician)


def test_unlock_needs_a_reason_then_the_user_signs_in_and_everything_is_recorded(
    client, investigator
):
    for _ in range(5):
        sign_in(client, "inv_fr01", "wrong")
    with pytest.raises(CommandError):
        call_command("unlock_user", "inv_fr01")  # --reason is required
    with pytest.raises(CommandError):
        call_command("unlock_user", "inv_fr01", reason="  ")
    call_command("unlock_user", "inv_fr01", reason="Phone call, ID checked", by="dm-anna")
    response = sign_in(client, "inv_fr01", PASSWORD)
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(investigator.pk)
    assert kinds("inv_fr01")[-3:] == [
        AuthEventKind.LOCKED_OUT,
        AuthEventKind.UNLOCKED,
        AuthEventKind.LOGIN,
    ]
    unlock = AuthEvent.objects.get(kind=AuthEventKind.UNLOCKED)
    assert (unlock.user, unlock.actor, unlock.reason, unlock.channel) == (
        investigator,
        "dm-anna",
        "Phone call, ID checked",
        "command",
    )
    login = AuthEvent.objects.get(kind=AuthEventKind.LOGIN)
    assert (login.user, login.ip_address, login.channel) == (investigator, ADDRESS, "web")
    assert login.at > timezone.now() - dt.timedelta(minutes=1)
    client.post(reverse("logout"), REMOTE_ADDR=ADDRESS)
    assert kinds("inv_fr01")[-1] == AuthEventKind.LOGOUT


def test_a_successful_sign_in_forgets_earlier_typos(client, investigator):
    for _ in range(4):
        sign_in(client, "inv_fr01", "wrong")
    assert sign_in(client, "inv_fr01", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert sign_in(client, "inv_fr01", "wrong").status_code == 200
    assert sign_in(client, "inv_fr01", PASSWORD).status_code == 302


def test_the_address_is_taken_from_x_forwarded_for_only_behind_a_trusted_proxy(
    client, investigator, settings
):
    client.post(
        LOGIN, {"username": "inv_fr01", "password": "x"}, HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    assert AuthEvent.objects.order_by("id").last().ip_address == "127.0.0.1"
    settings.EDC_TRUST_X_FORWARDED_FOR = True
    client.post(
        LOGIN, {"username": "inv_fr01", "password": "x"}, HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    assert AuthEvent.objects.order_by("id").last().ip_address == "203.0.113.9"


def test_the_token_endpoint_is_throttled(statistician, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth-token": "3/minute"})
    codes = [ask_token("nobody", "x").status_code for _ in range(4)]
    assert codes == [400, 400, 400, 429]


# --- sessions ----------------------------------------------------------------------------------


def test_a_session_lasts_twelve_hours_at_most_and_times_out_after_thirty_idle_minutes():
    assert settings.SESSION_COOKIE_AGE == 12 * 3600
    assert settings.EDC_IDLE_TIMEOUT_MINUTES == 30


def age_session(client, **seconds_ago):
    session = client.session
    for key, ago in seconds_ago.items():
        session[key] = time.time() - ago
    session.save()


def test_an_idle_session_is_signed_out_with_a_message(client, investigator, settings):
    settings.EDC_IDLE_TIMEOUT_MINUTES = 2
    client.force_login(investigator)
    assert client.get(reverse("patients:list")).status_code == 200
    age_session(client, edc_last_activity=119)
    assert client.get(reverse("patients:list")).status_code == 200  # still in time
    age_session(client, edc_last_activity=121)
    response = client.get(reverse("patients:list"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert SESSION_IDLE_EXPIRED.format(minutes=2) in response.content.decode()
    assert "You were signed out after 2 minutes without activity." in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert kinds("inv_fr01")[-1] == AuthEventKind.SESSION_EXPIRED


def test_activity_keeps_the_session_but_the_absolute_lifetime_ends_it(
    client, investigator, settings
):
    settings.EDC_IDLE_TIMEOUT_MINUTES = 2
    client.force_login(investigator)
    age_session(client, edc_last_activity=100)
    client.get(reverse("patients:list"))
    assert time.time() - client.session[LAST_ACTIVITY] < 5  # the visit counted
    age_session(client, edc_login_at=settings.SESSION_COOKIE_AGE + 1)
    response = client.get(reverse("patients:list"), follow=True)
    assert "maximum length of 12 hours" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_warning_s_status_check_is_not_activity_but_stay_signed_in_is(
    client, investigator, settings
):
    settings.EDC_IDLE_TIMEOUT_MINUTES = 2
    client.force_login(investigator)
    page = client.get(reverse("home")).content.decode()
    assert 'data-idle-seconds="120"' in page and 'data-warning-seconds="120"' in page
    assert "js/session-timeout.js" in page
    age_session(client, edc_last_activity=100)
    status = client.get(reverse("session-status")).json()
    assert status == {"signed_out": False, "remaining": 19}
    assert time.time() - client.session[LAST_ACTIVITY] >= 100
    alive = client.post(reverse("keep-alive")).json()
    assert alive["remaining"] >= 119
    assert time.time() - client.session[LAST_ACTIVITY] < 5
    age_session(client, edc_last_activity=121)
    assert client.get(reverse("session-status")).json() == {"signed_out": True, "remaining": 0}
    assert "_auth_user_id" not in client.session


def test_a_session_from_before_the_clock_starts_it_now(client, investigator):
    client.force_login(investigator)
    session = client.session
    del session[LOGIN_AT], session[LAST_ACTIVITY]
    session.save()
    assert client.get(reverse("patients:list")).status_code == 200
    assert LOGIN_AT in client.session


# --- API tokens --------------------------------------------------------------------------------


def test_an_expired_token_is_refused_with_401_and_a_new_one_works(statistician, settings):
    key = ask_token("stat", PASSWORD).json()["token"]
    assert ask_token("stat", PASSWORD).json()["token"] == key  # unexpired: the same one
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/exports/domains/").status_code == 200
    Token.objects.filter(key=key).update(
        created=timezone.now() - dt.timedelta(hours=settings.API_TOKEN_TTL_HOURS, seconds=1)
    )
    expired = client.get("/api/v1/exports/domains/")
    assert expired.status_code == 401 and expired.json() == {"detail": TOKEN_EXPIRED}
    assert expired["WWW-Authenticate"] == "Token"
    fresh = ask_token("stat", PASSWORD).json()["token"]
    assert fresh != key and Token.objects.filter(user=statistician).count() == 1
    client.credentials(HTTP_AUTHORIZATION=f"Token {fresh}")
    assert client.get("/api/v1/exports/domains/").status_code == 200
    issued = AuthEvent.objects.filter(kind=AuthEventKind.TOKEN_ISSUED)
    assert issued.count() == 3 and {e.ip_address for e in issued} == {ADDRESS}


def test_a_token_revoked_by_its_owner_or_by_command_is_refused(statistician):
    key = ask_token("stat", PASSWORD).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.delete(TOKEN, REMOTE_ADDR=ADDRESS).status_code == 204
    refused = client.get("/api/v1/exports/domains/")
    assert refused.status_code == 401 and refused.json() == {"detail": TOKEN_INVALID}
    assert client.delete(TOKEN).status_code == 401
    assert APIClient().delete(TOKEN).status_code == 401  # no token sent

    key = ask_token("stat", PASSWORD).json()["token"]
    with pytest.raises(CommandError):
        call_command("revoke_tokens", "stat")  # --reason is required
    call_command("revoke_tokens", "stat", reason="Laptop stolen", by="dm-anna")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/exports/domains/").status_code == 401
    revoked = list(AuthEvent.objects.filter(kind=AuthEventKind.TOKEN_REVOKED).order_by("id"))
    assert [(e.channel, e.ip_address, e.actor) for e in revoked] == [
        ("api", ADDRESS, ""),
        ("command", None, "dm-anna"),
    ]
    assert revoked[1].reason == "Laptop stolen" and revoked[1].user == statistician


def test_without_a_token_the_api_still_answers_403_as_documented(db):
    assert APIClient().get("/api/v1/patients/").status_code == 403


# --- the sign-in log ---------------------------------------------------------------------------


def test_the_sign_in_log_is_for_data_managers_only(
    client, web, investigator, monitor, statistician, data_manager
):
    for user in (investigator, monitor, statistician):
        client.force_login(user)
        assert client.get(reverse("access:auth_events")).status_code == 403
    client.logout()
    assert client.get(reverse("access:auth_events")).status_code == 302
    page = web(data_manager).get(reverse("home")).content.decode()
    assert reverse("access:auth_events") in page


def test_the_sign_in_log_costs_the_same_queries_however_many_events(
    client, web, data_manager, investigator, django_assert_num_queries
):
    sign_in(APIClient(), "inv_fr01", "wrong")
    dm = web(data_manager)
    # session, user, role (in a savepoint), count, one page of events: 7 whatever the count
    with django_assert_num_queries(7):
        response = dm.get(reverse("access:auth_events"))
    for _ in range(30):
        sign_in(APIClient(), "inv_fr01", "wrong")  # locks, then refusals
    call_command("unlock_user", "inv_fr01", reason="Checked")
    with django_assert_num_queries(7):
        response = dm.get(reverse("access:auth_events"))
    page = response.content.decode()
    assert "Account locked" in page and "Account unlocked" in page and "Checked" in page
    assert ADDRESS in page
    filtered = dm.get(reverse("access:auth_events"), {"kind": "unlocked"}).content.decode()
    assert "Checked" in filtered and ADDRESS not in filtered


@pytest.mark.django_db(transaction=True)
def test_auth_events_cannot_be_changed_or_deleted_in_postgresql(require_postgres, investigator):
    from django.core.management import call_command as run
    from django.db import DatabaseError, transaction

    run("migrate", verbosity=0)  # installs the append-only triggers (post_migrate)
    event = AuthEvent.objects.create(kind=AuthEventKind.LOGIN, username="inv_fr01")
    for change in (
        lambda: AuthEvent.objects.filter(pk=event.pk).update(reason="edited"),
        lambda: AuthEvent.objects.filter(pk=event.pk).delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            change()
