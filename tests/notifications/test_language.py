"""Each notification is written in its recipient's language: the stored subject and text when
the message is made, the footer and the digest's subject when it is sent (issue 23).

These check which language is active while each part is written, so they hold before the
French and Dutch catalogues exist.
"""

import pytest
from django.utils import translation

from edc.monitoring import services as monitoring
from edc.monitoring.records import record_ref
from edc.notifications import services
from edc.notifications.constants import Delivery
from edc.notifications.models import Notification


def speaks(user, language: str) -> None:
    user.staff_profile.language = language
    user.staff_profile.save(update_fields=["language"])


@pytest.fixture
def emails(investigator, coordinator, monitor):
    for user in (investigator, coordinator, monitor):
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])


@pytest.fixture
def spy(monkeypatch):
    """(what, active language) for each message's words and each e-mail's body."""
    seen = []
    real_patient, real_body = services._patient, services._body

    def patient(p, site_code):
        seen.append(("words", translation.get_language()))
        return real_patient(p, site_code)

    def body(items):
        seen.append(("body", translation.get_language(), items[0].recipient_id))
        return real_body(items)

    monkeypatch.setattr(services, "_patient", patient)
    monkeypatch.setattr(services, "_body", body)
    return seen


@pytest.mark.django_db
def test_a_french_coordinator_gets_the_query_mail_in_french_the_investigator_in_english(
    smtp,
    emails,
    enrolled,
    monitor,
    investigator,
    coordinator,
    spy,
    django_capture_on_commit_callbacks,
):
    speaks(coordinator, "fr")
    patient = enrolled()
    with django_capture_on_commit_callbacks(execute=True):
        monitoring.query_raise(
            user=monitor, record=record_ref(patient), field="sex", question="Please check."
        )
    # The words are written once per language, not once per person.
    assert sorted(w for w in spy if w[0] == "words") == [("words", "en"), ("words", "fr")]
    bodies = {uid: language for _what, language, uid in (w for w in spy if w[0] == "body")}
    assert bodies == {investigator.pk: "en", coordinator.pk: "fr"}
    assert len(smtp.to(coordinator.email)) == 1 and len(smtp.to(investigator.email)) == 1
    assert Notification.objects.filter(recipient=coordinator).count() == 1


@pytest.mark.django_db
def test_the_daily_digest_is_written_in_the_recipients_language(
    smtp, emails, enrolled, monitor, coordinator, spy, django_capture_on_commit_callbacks
):
    speaks(coordinator, "nl")
    services.preference_set(user=coordinator, delivery=Delivery.DIGEST)
    patient = enrolled()
    with django_capture_on_commit_callbacks(execute=True):
        monitoring.query_raise(
            user=monitor, record=record_ref(patient), field="sex", question="Please check."
        )
    assert smtp.to(coordinator.email) == []
    spy.clear()
    assert services.notifications_send_digests() == 1
    assert spy == [("body", "nl", coordinator.pk)]
    (digest,) = smtp.to(coordinator.email)
    assert "1" in digest["Subject"]
