"""User management an auditor accepts (issue 18 §2; 21 CFR Part 11 §11.10(d), (g), (i)).

Data managers create accounts, give roles and sites and deactivate accounts on their own pages,
always with a reason that the audit review, its CSV and its API show; nobody changes their own
account; investigators and coordinators get their role only after acknowledging its training.
"""

import csv
import io
import re

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from edc.access import services
from edc.access import user_constants as msg
from edc.access.constants import AuthEventKind, Role
from edc.access.first_sign_in import SESSION_KEY
from edc.access.models import (
    AuthEvent,
    SigningAttempt,
    StaffProfile,
    TemporaryPassword,
    TrainingRecord,
)
from edc.access.training import current_version, training_for
from edc.audit.display import WITHHELD, entry_view
from edc.audit.exceptions import StaleVersion
from edc.audit.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("require_postgres")

PASSWORD = "pw-for-tests-1"  # tests.factories.UserFactory
LOGIN = "/accounts/login/"
STAFF_PROFILE = "access.staffprofile"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # axes and the token throttle count in the cache
    yield
    cache.clear()


@pytest.fixture
def newcomer(make_user, data_manager, site):
    """An account a data manager made without a role (the usual first step)."""
    user, _ = services.user_create(
        actor=data_manager,
        username="n.leroy",
        full_name="Nina Leroy",
        email="nina.leroy@example.org",
        role="",
        sites=[],
        reason="Access request 4711: new investigator at Paris",
    )
    user.set_password(PASSWORD)  # as if she had replaced the temporary password
    user.save()
    return user


def visible_text(html: str) -> str:
    """What a reader sees: the page without its tags and attribute values."""
    return re.sub(r"<[^>]*>", " ", html)


def entries(user, **where):
    profile = StaffProfile.objects.get(user=user)
    return AuditEntry.objects.filter(
        model_label=STAFF_PROFILE, object_id=profile.pk, **where
    ).order_by("id")


def acknowledge_in_browser(client, role, password=PASSWORD, confirm=True, version=None):
    data = {
        "role": role,
        "guide_version": version or current_version(role),
        "password": password,
    }
    if confirm:
        data["confirm"] = "on"
    return client.post(reverse("access:my_training"), data)


# --- creating accounts ------------------------------------------------------------------------
def test_a_data_manager_creates_an_account_and_sees_its_temporary_password_once(
    data_manager, site, web
):
    response = web(data_manager).post(
        reverse("access:user_create"),
        {
            "username": "m.petit",
            "full_name": "Marie Petit",
            "email": "marie.petit@example.org",
            "role": Role.MONITOR,
            "sites": [site.pk],
            "reason": "Monitoring contract signed 2026-12-01",
        },
    )
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    password = response.context["password"]
    html = response.content.decode()
    assert password in html and "Marie Petit" in html
    profile = StaffProfile.objects.get(user__username="m.petit")
    assert (profile.role, profile.sites_text, profile.active) == (Role.MONITOR, "FR01", True)
    assert list(profile.sites.all()) == [site]
    assert profile.user.check_password(password) and profile.user.get_full_name() == "Marie Petit"
    assert TemporaryPassword.objects.filter(user=profile.user).exists()
    (created,) = entries(profile.user)
    assert created.action == "create" and created.user == data_manager
    assert created.reason == "Monitoring contract signed 2026-12-01"
    changes = {c["field"]: c["new"] for c in created.changes}
    assert changes["person"] == "Marie Petit (m.petit)" and changes["sites_text"] == "FR01"
    assert "user" not in changes  # the account is named by its person, never "user #12"
    # Shown once: the account page never shows it again.
    detail = web(data_manager).get(reverse("access:user_detail", args=[profile.user.pk]))
    assert password not in detail.content.decode()


def test_a_new_account_cannot_start_with_a_data_entry_or_signing_role(data_manager, site):
    for role in (Role.INVESTIGATOR, Role.COORDINATOR):
        with pytest.raises(ValidationError) as refused:
            services.user_create(
                actor=data_manager,
                username=f"new.{role}",
                full_name="New Person",
                email=f"{role}@example.org",
                role=role,
                sites=[site],
                reason="Request",
            )
        assert refused.value.message_dict["role"] == [
            msg.TRAINING_REQUIRED_NEW_ACCOUNT.format(
                role=Role(role).label.lower(), training=training_for(role).label
            )
        ]


def test_sites_follow_the_role(data_manager, site, newcomer):
    def change(role, sites):
        services.staff_change(
            actor=data_manager,
            user=newcomer,
            role=role,
            sites=sites,
            reason="Set up",
            expected_version=None,
        )

    with pytest.raises(ValidationError) as no_site:
        change(Role.MONITOR, [])
    assert no_site.value.message_dict["sites"] == [msg.SITES_REQUIRED.format(role="monitor")]
    with pytest.raises(ValidationError) as a_site:
        change(Role.STATISTICIAN, [site])
    assert a_site.value.message_dict["sites"] == [
        msg.NO_SITES_FOR_ALL_SITES_ROLE.format(role="statistician")
    ]
    change(Role.STATISTICIAN, [])
    assert StaffProfile.objects.get(user=newcomer).role == Role.STATISTICIAN


# --- changes with a reason, in the audit review -----------------------------------------------
def test_a_role_and_site_change_is_in_the_audit_review_its_csv_and_api_with_its_reason(
    data_manager, monitor, other_site, site, web, api
):
    profile = StaffProfile.objects.get(user=monitor)
    response = web(data_manager).post(
        reverse("access:user_change", args=[monitor.pk]),
        {
            "role": Role.MONITOR,
            "sites": [site.pk, other_site.pk],
            "reason": "Takes over Lyon from 1 January",
            "version": profile.version,
        },
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.sites_text == "FR01, FR02" and profile.version == 2
    entry = entries(monitor, action="change").get()
    assert entry.reason == "Takes over Lyon from 1 January" and entry.user == data_manager
    assert {c["field"]: (c["old"], c["new"]) for c in entry.changes}["sites_text"] == (
        "FR01",
        "FR01, FR02",
    )

    review = web(data_manager).get(reverse("monitoring:audit"), {"form": STAFF_PROFILE})
    html = review.content.decode()
    assert "Takes over Lyon from 1 January" in html
    assert "FR01, FR02" in html and "User account" in html

    csv_response = web(data_manager).get(
        reverse("monitoring:audit_export"), {"form": STAFF_PROFILE, "action": "change"}
    )
    rows = list(csv.DictReader(io.StringIO(b"".join(csv_response.streaming_content).decode())))
    sites_row = next(r for r in rows if r["field"] == "sites_text")
    assert (sites_row["old"], sites_row["new"], sites_row["reason"]) == (
        "FR01",
        "FR01, FR02",
        "Takes over Lyon from 1 January",
    )
    assert data_manager.username in sites_row["user"]

    listing = api(data_manager).get("/api/v1/audit-entries/", {"form": STAFF_PROFILE}).json()
    assert any(e["reason"] == "Takes over Lyon from 1 January" for e in listing["results"])


def test_a_role_change_reads_as_labels_and_the_person_is_withheld_from_statisticians(
    data_manager, monitor, site
):
    services.staff_change(
        actor=data_manager,
        user=monitor,
        role=Role.DATA_MANAGER,
        sites=[],
        reason="Promoted to data manager",
        expected_version=1,
    )
    entry = entries(monitor, action="change").get()
    view = entry_view(entry, deidentified=False)
    shown = {c.label: (c.old, c.new) for c in view.changes}
    assert shown["Role"] == ("Monitor", "Data manager") and shown["Sites"] == ("FR01", "—")
    created = entry_view(entries(monitor, action="create").get(), deidentified=True)
    assert {c.label: c.new for c in created.changes}["Person"] == WITHHELD


def test_a_change_without_a_reason_is_refused(data_manager, monitor, other_site, web):
    with pytest.raises(ValidationError) as refused:
        services.staff_change(
            actor=data_manager,
            user=monitor,
            role=Role.MONITOR,
            sites=[other_site],
            reason="  ",
            expected_version=None,
        )
    assert refused.value.message_dict["reason"] == [msg.REASON_REQUIRED]
    with pytest.raises(ValidationError):
        services.user_deactivate(actor=data_manager, user=monitor, reason="")
    response = web(data_manager).post(
        reverse("access:user_change", args=[monitor.pk]),
        {"role": Role.MONITOR, "sites": [other_site.pk], "reason": "", "version": 1},
    )
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    assert StaffProfile.objects.get(user=monitor).sites_text == "FR01"
    assert not entries(monitor, action="change").exists()


def test_a_stale_version_is_refused_with_what_changed_meanwhile(
    data_manager, make_user, monitor, other_site, site, web
):
    other_manager = make_user(Role.DATA_MANAGER, username="dm2")
    services.staff_change(
        actor=other_manager,
        user=monitor,
        role=Role.MONITOR,
        sites=[other_site],
        reason="Moved to Lyon",
        expected_version=1,
    )
    with pytest.raises(StaleVersion):
        services.staff_change(
            actor=data_manager,
            user=monitor,
            role=Role.MONITOR,
            sites=[site, other_site],
            reason="Both sites",
            expected_version=1,
        )
    response = web(data_manager).post(
        reverse("access:user_change", args=[monitor.pk]),
        {"role": Role.MONITOR, "sites": [site.pk, other_site.pk], "reason": "Both", "version": 1},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Changed by someone else meanwhile" in html and "Moved to Lyon" in html
    assert "sites_text" not in visible_text(html)  # labels, not code names
    assert StaffProfile.objects.get(user=monitor).sites_text == "FR02"


# --- nobody changes their own account -----------------------------------------------------------
def test_nobody_changes_their_own_account(data_manager, make_user, web):
    services.training_setup(user=data_manager, role=Role.INVESTIGATOR)  # trained, still refused
    with pytest.raises(PermissionDenied) as refused:
        services.staff_change(
            actor=data_manager,
            user=data_manager,
            role=Role.INVESTIGATOR,
            sites=[],
            reason="I will enter data myself",
            expected_version=None,
        )
    assert str(refused.value) == msg.OWN_ACCOUNT
    with pytest.raises(PermissionDenied):
        services.user_deactivate(actor=data_manager, user=data_manager, reason="Leaving")
    client = web(data_manager)
    page = client.get(reverse("access:user_change", args=[data_manager.pk]))
    assert page.status_code == 200 and "This is your own account" in page.content.decode()
    response = client.post(
        reverse("access:user_change", args=[data_manager.pk]),
        {"role": Role.INVESTIGATOR, "reason": "Self-service", "version": 1},
    )
    assert response.status_code == 403
    assert StaffProfile.objects.get(user=data_manager).role == Role.DATA_MANAGER
    assert not entries(data_manager, action="change").exists()


# --- training -------------------------------------------------------------------------------------
def test_data_entry_and_signing_roles_need_the_current_training_then_are_accepted(
    data_manager, newcomer, site, client
):
    def give_investigator():
        return services.staff_change(
            actor=data_manager,
            user=newcomer,
            role=Role.INVESTIGATOR,
            sites=[site],
            reason="Sub-investigator at Paris (delegation log 12)",
            expected_version=None,
        )

    with pytest.raises(ValidationError) as refused:
        give_investigator()
    training = training_for(Role.INVESTIGATOR)
    assert refused.value.message_dict["role"] == [
        msg.TRAINING_REQUIRED.format(
            person="Nina Leroy (n.leroy)", training=training.label, role="investigator"
        )
    ]

    # She signs in (no role yet: Home sends her to her training) and acknowledges the guide.
    assert client.post(LOGIN, {"username": "n.leroy", "password": PASSWORD}).status_code == 302
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home["Location"] == reverse("access:my_training")
    page = client.get(reverse("access:my_training"))
    assert training.label in page.content.decode()
    assert acknowledge_in_browser(client, Role.INVESTIGATOR, confirm=False).status_code == 200
    wrong = acknowledge_in_browser(client, Role.INVESTIGATOR, password="not-my-password")
    assert wrong.status_code == 200 and not TrainingRecord.objects.filter(user=newcomer).exists()
    assert SigningAttempt.objects.filter(user=newcomer, outcome="wrong_credentials").exists()
    outdated = acknowledge_in_browser(client, Role.INVESTIGATOR, version="Old guide v0")
    assert msg.GUIDE_CHANGED.format(current=training.label) in outdated.content.decode()
    assert acknowledge_in_browser(client, Role.INVESTIGATOR).status_code == 302
    record = TrainingRecord.objects.get(user=newcomer)
    assert (record.role, record.guide_version) == (Role.INVESTIGATOR, training.label)
    assert len(record.guide_sha256) == 64 and record.person == "Nina Leroy (n.leroy)"
    assert AuditEntry.objects.filter(model_label="access.trainingrecord", user=newcomer).exists()

    profile = give_investigator()
    assert (profile.role, profile.sites_text) == (Role.INVESTIGATOR, "FR01")
    assert newcomer.groups.filter(name="role:investigator").exists()


def test_user_management_shows_each_users_training(data_manager, investigator, newcomer, web):
    client = web(data_manager)
    listing = client.get(reverse("access:users")).content.decode()
    assert "Nina Leroy" in listing and "No role yet" in listing and "None yet" in listing
    shown = visible_text(listing).replace("inv_fr01", "")
    assert "Investigator" in shown and "investigator" not in shown  # labels, never role codes
    detail = client.get(reverse("access:user_detail", args=[investigator.pk])).content.decode()
    assert training_for(Role.INVESTIGATOR).label in detail and "Acknowledged" in detail


# --- deactivation -------------------------------------------------------------------------------
def test_a_deactivated_user_cannot_sign_in_and_their_session_ends(
    data_manager, investigator, client, web
):
    assert client.post(LOGIN, {"username": "inv_fr01", "password": PASSWORD}).status_code == 302
    assert client.get(reverse("patients:list")).status_code == 200

    dm_client = type(client)()
    dm_client.force_login(data_manager)
    response = dm_client.post(
        reverse("access:user_deactivate", args=[investigator.pk]),
        {"reason": "Left the hospital on 30 November", "version": 1},
    )
    assert response.status_code == 302
    investigator.refresh_from_db()
    assert not investigator.is_active and not StaffProfile.objects.get(user=investigator).active
    entry = entries(investigator, action="change").get()
    assert entry.reason == "Left the hospital on 30 November"
    assert {c["field"]: c["new"] for c in entry.changes}["active"] is False

    assert client.get(reverse("patients:list")).status_code == 302  # the open session ended
    refused = client.post(LOGIN, {"username": "inv_fr01", "password": PASSWORD})
    assert refused.status_code == 200 and refused.context["form"].errors
    assert client.get(reverse("patients:list")).status_code == 302

    services.user_reactivate(actor=data_manager, user=investigator, reason="Back on 2 December")
    assert client.post(LOGIN, {"username": "inv_fr01", "password": PASSWORD}).status_code == 302


def test_a_data_manager_resets_another_users_two_step_sign_in_with_a_reason(
    data_manager, investigator, web
):
    TOTPDevice.objects.create(user=investigator, name="Authenticator app", confirmed=True)
    client = web(data_manager)
    detail = client.get(reverse("access:user_detail", args=[investigator.pk])).content.decode()
    assert "Authenticator app set up" in detail
    response = client.post(
        reverse("access:user_mfa_reset", args=[investigator.pk]),
        {"reason": "Phone lost, identity checked by call back"},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=investigator).exists()
    event = AuthEvent.objects.get(user=investigator, kind=AuthEventKind.MFA_RESET)
    assert (event.actor, event.reason) == ("dm", "Phone lost, identity checked by call back")
    with pytest.raises(PermissionDenied):
        services.user_mfa_reset(actor=data_manager, user=data_manager, reason="Mine")


# --- first sign-in --------------------------------------------------------------------------------
def test_the_temporary_password_must_be_replaced_at_first_sign_in(data_manager, client):
    user, password = services.user_create(
        actor=data_manager,
        username="s.rossi2",
        full_name="Sara Rossi",
        email="sara.rossi@example.org",
        role=Role.STATISTICIAN,
        sites=[],
        reason="Second statistician",
    )
    assert client.post(LOGIN, {"username": "s.rossi2", "password": password}).status_code == 302
    assert client.session[SESSION_KEY] is True
    response = client.get(reverse("patients:list"))
    assert response.status_code == 302 and "password" in response["Location"]
    user.set_password("a-new-Long-passphrase-42")  # the password page, the admin, a command…
    user.save()
    assert not TemporaryPassword.objects.filter(user=user).exists()
    new = {"username": "s.rossi2", "password": "a-new-Long-passphrase-42"}
    assert client.post(LOGIN, new).status_code == 302
    assert SESSION_KEY not in client.session
    assert client.get(reverse("patients:list")).status_code == 200


# --- who may ------------------------------------------------------------------------------------
def user_management_urls(target) -> list[str]:
    return [
        reverse("access:users"),
        reverse("access:user_create"),
        reverse("access:user_detail", args=[target.pk]),
        reverse("access:user_change", args=[target.pk]),
        reverse("access:user_deactivate", args=[target.pk]),
        reverse("access:user_reactivate", args=[target.pk]),
        reverse("access:user_mfa_reset", args=[target.pk]),
    ]


@pytest.mark.parametrize(
    "role", [Role.INVESTIGATOR, Role.COORDINATOR, Role.MONITOR, Role.STATISTICIAN, None]
)
def test_only_data_managers_reach_user_management(role, make_user, site, monitor, client):
    if role is None:
        user = UserFactory(username="no.role")
    else:
        user = make_user(role, [site] if role != Role.STATISTICIAN else [], username="someone")
    client.force_login(user)
    for url in user_management_urls(monitor):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"reason": "x", "role": Role.DATA_MANAGER}).status_code == 403
    assert "users-link" not in client.get(reverse("access:my_training")).content.decode()
    assert StaffProfile.objects.get(user=monitor).role == Role.MONITOR
    with pytest.raises(PermissionDenied):
        services.user_deactivate(actor=user, user=monitor, reason="x")


def test_anonymous_visitors_are_sent_to_sign_in(client, monitor):
    for url in [*user_management_urls(monitor), reverse("access:my_training")]:
        response = client.get(url)
        assert response.status_code == 302 and LOGIN in response["Location"]


def test_the_header_shows_users_to_data_managers(data_manager, web):
    html = web(data_manager).get(reverse("access:users")).content.decode()
    assert 'data-testid="users-link"' in html and 'data-testid="training-link"' in html


# --- cost -----------------------------------------------------------------------------------------
def test_the_user_list_costs_the_same_queries_for_1_or_20_users(data_manager, site, web):
    def onboard(n):
        user, _ = services.user_create(
            actor=data_manager,
            username=f"person{n}",
            full_name=f"Person Number{n}",
            email=f"person{n}@example.org",
            role=Role.MONITOR,
            sites=[site],
            reason="Onboarding",
        )
        services.training_acknowledge(
            user=user, role=Role.MONITOR, guide_version=current_version(Role.MONITOR)
        )

    client = web(data_manager)
    url = reverse("access:users")
    filters = {"role": Role.MONITOR, "site": "FR01", "active": "yes"}
    onboard(0)
    client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(url).context["rows"]) == 2
    with CaptureQueriesContext(connection) as one_filtered:
        assert len(client.get(url, filters).context["rows"]) == 1
    for n in range(1, 20):
        onboard(n)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url).context["rows"]) == 21
    with CaptureQueriesContext(connection) as many_filtered:
        assert len(client.get(url, filters).context["rows"]) == 20
    assert len(many.captured_queries) == len(one.captured_queries)
    assert len(many_filtered.captured_queries) == len(one_filtered.captured_queries)


def test_account_changes_are_reviewed_only_by_those_who_manage_users(
    data_manager, investigator, monitor, statistician
):
    from edc.audit.selectors import audit_entries_for_user

    def account_entries(user):
        return audit_entries_for_user(user).filter(model_label__startswith="access.").count()

    assert account_entries(data_manager) > 0  # the fixtures' accounts were created audited
    assert account_entries(investigator) == 0
    assert account_entries(monitor) == 0
    assert account_entries(statistician) == 0
