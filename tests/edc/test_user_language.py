"""The interface language of an account (issue 23), set by the data manager who manages it.

A new account starts in the language of its first site's country (France, Belgium: French;
the Netherlands: Dutch; elsewhere: English) unless the data manager chooses another; the
language is kept on the account's profile by the same audited write as its role and sites,
can be changed later with a reason, and shows on the account's page.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from edc.access import services
from edc.access import user_constants as msg
from edc.access.constants import Role
from edc.access.models import StaffProfile
from edc.audit.models import AuditEntry
from tests.factories import SiteFactory

STAFF_PROFILE = "access.staffprofile"


def create(actor, username, *, sites=(), role="", language=None):
    user, _password = services.user_create(
        actor=actor,
        username=username,
        full_name="Anne Janssens",
        email=f"{username}@example.org",
        role=role,
        sites=list(sites),
        reason="Access request 815",
        language=language,
    )
    return StaffProfile.objects.get(user=user)


def entries(profile):
    return AuditEntry.objects.filter(model_label=STAFF_PROFILE, object_id=profile.pk).order_by("id")


@pytest.mark.parametrize(
    ("country", "language"),
    [("FR", "fr"), ("BE", "fr"), ("NL", "nl"), ("DE", "en"), ("GB", "en"), ("be", "fr")],
)
def test_the_first_sites_country_gives_the_language(country, language):
    site = SiteFactory.build(code="XX01", country=country)
    assert services.language_for_sites([site]) == language


def test_the_first_site_chosen_decides_and_no_site_is_english(db):
    dutch = SiteFactory(code="NL01", name="Utrecht", country="NL")
    french = SiteFactory(code="FR03", name="Lille", country="FR")
    assert services.language_for_sites([dutch, french]) == "nl"
    assert services.language_for_sites([french, dutch]) == "fr"
    assert services.language_for_sites([]) == "en"


def test_a_new_account_takes_the_language_of_its_sites_country(data_manager):
    brussels = SiteFactory(code="BE01", name="Bruxelles", country="BE")
    utrecht = SiteFactory(code="NL01", name="Utrecht", country="NL")
    assert create(data_manager, "a.be", role=Role.MONITOR, sites=[brussels]).language == "fr"
    assert create(data_manager, "a.nl", role=Role.MONITOR, sites=[utrecht]).language == "nl"
    assert create(data_manager, "a.none").language == "en"


def test_the_data_manager_may_choose_another_language_and_it_is_audited(data_manager, site):
    profile = create(data_manager, "a.choice", role=Role.MONITOR, sites=[site], language="nl")
    assert profile.language == "nl"  # a Dutch-speaking monitor of a French site
    (created,) = entries(profile)
    assert created.action == "create" and created.user == data_manager
    assert {c["field"]: c["new"] for c in created.changes}["language"] == "nl"


def test_an_unknown_language_is_refused(data_manager, site):
    with pytest.raises(ValidationError) as refused:
        create(data_manager, "a.xx", language="de")
    assert refused.value.message_dict["language"] == [msg.UNKNOWN_LANGUAGE]
    assert not StaffProfile.objects.filter(user__username="a.xx").exists()


def test_staff_change_changes_the_language_with_a_reason(data_manager, site):
    profile = create(data_manager, "a.change", role=Role.MONITOR, sites=[site])
    assert profile.language == "fr"
    saved = services.staff_change(
        actor=data_manager,
        user=profile.user,
        role=Role.MONITOR,
        sites=[site],
        language="en",
        reason="Prefers English",
        expected_version=profile.version,
    )
    assert saved.language == "en" and saved.role == Role.MONITOR and saved.sites_text == "FR01"
    change = entries(profile).last()
    assert change.action == "change" and change.reason == "Prefers English"
    assert {c["field"]: (c["old"], c["new"]) for c in change.changes}["language"] == ("fr", "en")
    # Without a language, a change of role or sites keeps it; the same language is no change.
    kept = services.staff_change(
        actor=data_manager,
        user=profile.user,
        role=Role.STATISTICIAN,
        sites=[],
        reason="Moved to statistics",
        expected_version=saved.version,
    )
    assert kept.language == "en"
    with pytest.raises(ValidationError) as nothing:
        services.staff_change(
            actor=data_manager,
            user=profile.user,
            role=Role.STATISTICIAN,
            sites=[],
            language="en",
            reason="Again",
            expected_version=kept.version,
        )
    assert nothing.value.messages == [msg.NOTHING_CHANGED]


def test_the_pages_offer_show_and_change_the_language(data_manager, web):
    utrecht = SiteFactory(code="NL01", name="Utrecht", country="NL")
    client = web(data_manager)
    form = client.get(reverse("access:user_create")).content.decode()
    assert 'name="language"' in form and "From the first site&#x27;s country" in form
    created = client.post(
        reverse("access:user_create"),
        {
            "username": "j.devries",
            "full_name": "Jan de Vries",
            "email": "jan.devries@example.org",
            "role": Role.MONITOR,
            "sites": [utrecht.pk],
            "language": "",
            "reason": "Monitoring contract NL",
        },
    )
    assert created.status_code == 200
    profile = StaffProfile.objects.get(user__username="j.devries")
    assert profile.language == "nl"
    assert "Nederlands" in created.content.decode()
    detail = client.get(reverse("access:user_detail", args=[profile.user.pk])).content.decode()
    assert 'data-testid="account-language"><span lang="nl">Nederlands</span>' in detail

    change_url = reverse("access:user_change", args=[profile.user.pk])
    page = client.get(change_url)
    assert page.context["form"].initial["language"] == "nl"
    changed = client.post(
        change_url,
        {
            "role": Role.MONITOR,
            "sites": [utrecht.pk],
            "language": "fr",
            "reason": "Asked for French",
            "version": profile.version,
        },
    )
    assert changed.status_code == 302
    profile.refresh_from_db()
    assert profile.language == "fr"
    detail = client.get(reverse("access:user_detail", args=[profile.user.pk])).content.decode()
    assert "Français" in detail

    # Back to the trial's default (empty): shown as English, the default.
    client.post(
        change_url,
        {
            "role": Role.MONITOR,
            "sites": [utrecht.pk],
            "language": "",
            "reason": "Trial default",
            "version": profile.version,
        },
    )
    profile.refresh_from_db()
    assert profile.language == ""
    detail = client.get(reverse("access:user_detail", args=[profile.user.pk])).content.decode()
    assert "English (trial default)" in detail
