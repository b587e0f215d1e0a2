"""Query and deviation notifications by real SMTP: at once or in the daily digest, never twice."""

import datetime as dt

import pytest
from django.urls import reverse

from edc.monitoring import services as monitoring
from edc.monitoring.records import record_ref
from edc.notifications.constants import Delivery
from edc.notifications.models import Notification
from edc.notifications.services import notifications_send_digests
from patients import services as patient_services
from tests.smtp import body

QUESTION = "Mrs Dupont's weight looks wrong, please check her chart at Saint-Louis"


@pytest.fixture
def emails(investigator, coordinator, other_investigator, monitor, data_manager):
    for user in (investigator, coordinator, other_investigator, monitor, data_manager):
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])


@pytest.fixture
def raise_query(monitor, django_capture_on_commit_callbacks):
    def raise_(record, field=""):
        with django_capture_on_commit_callbacks(execute=True):
            return monitoring.query_raise(
                user=monitor, record=record_ref(record), field=field, question=QUESTION
            )

    return raise_


def mails_to(smtp, user, word=""):
    return [m for m in smtp.to(user.email) if word in m["Subject"]]


@pytest.mark.django_db
def test_a_new_query_mails_the_sites_staff_at_once_with_a_link_and_no_free_text(
    smtp, emails, enrolled, raise_query, investigator, coordinator, other_investigator, monitor
):
    patient = enrolled()
    query = raise_query(patient, "sex")
    for user in (investigator, coordinator):
        (mail,) = mails_to(smtp, user, "New data query")
        text = body(mail)
        assert "https://edc.example.org" + reverse("monitoring:query", args=[query.pk]) in text
        assert f"patient {patient.subject_id}" in text and "the monitor raised" in text.lower()
        assert "Dupont" not in text and "Saint-Louis" not in text
        assert patient.screening_number not in text
    assert smtp.to(other_investigator.email) == [] and smtp.to(monitor.email) == []


@pytest.mark.django_db
def test_a_user_who_chose_the_digest_gets_one_daily_mail_once(
    smtp, emails, enrolled, raise_query, web, coordinator, investigator
):
    response = web(coordinator).post(
        reverse("notifications:settings"), {"delivery": Delivery.DIGEST}
    )
    assert response.status_code == 302
    patient = enrolled()
    raise_query(patient, "sex")
    raise_query(patient, "year_of_birth")
    assert smtp.to(coordinator.email) == []
    assert len(mails_to(smtp, investigator, "New data query")) == 2  # the other chose "at once"

    assert notifications_send_digests() == 1
    (digest,) = smtp.to(coordinator.email)
    assert "Daily digest: 2" in digest["Subject"]
    assert body(digest).count("raised a data query") == 2
    assert notifications_send_digests() == 0  # never twice
    assert len(smtp.to(coordinator.email)) == 1


@pytest.mark.django_db
def test_the_settings_page_shows_the_choice(web, coordinator):
    client = web(coordinator)
    page = client.get(reverse("notifications:settings")).content.decode()
    assert "Send each message as it happens" in page and "no e-mail address" in page
    refused = client.post(reverse("notifications:settings"), {"delivery": "weekly"})
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()


@pytest.mark.django_db
def test_an_answered_query_mails_the_monitor_who_raised_it(
    smtp, emails, enrolled, raise_query, coordinator, monitor, django_capture_on_commit_callbacks
):
    query = raise_query(enrolled(), "sex")
    smtp.clear()
    with django_capture_on_commit_callbacks(execute=True):
        monitoring.query_answer(query=query, user=coordinator, text="Checked: Mrs Dupont is fine")
    (mail,) = smtp.to(monitor.email)
    assert "answered" in mail["Subject"]
    assert "Dupont" not in body(mail)
    assert reverse("monitoring:query", args=[query.pk]) in body(mail)
    assert smtp.to(coordinator.email) == []


@pytest.mark.django_db
def test_a_major_deviation_mails_the_site_and_its_monitor(
    smtp,
    emails,
    screened,
    investigator,
    coordinator,
    monitor,
    other_investigator,
    django_capture_on_commit_callbacks,
):
    patient = screened()
    patient_services.eligibility_record(
        user=investigator,
        patient=patient,
        answers={"IN04": False},
        source_date=patient.screening_date,
        reason="ECOG 2",
    )
    with django_capture_on_commit_callbacks(execute=True):
        patient_services.patient_enrol(
            user=investigator,
            patient=patient,
            enrolled_on=dt.date.today(),
            c1d1_date=dt.date.today(),
            waiver_reason="Sponsor approval",
        )
    for user in (investigator, coordinator, monitor):
        mails = mails_to(smtp, user, "Major protocol deviation")
        assert any("waiver" in body(m).lower() for m in mails)
        for mail in mails:
            assert "/deviations/" in body(mail) and "Sponsor approval" not in body(mail)
    assert smtp.to(other_investigator.email) == []


@pytest.mark.django_db
def test_a_mail_server_outage_loses_nothing_and_the_digest_run_sends_it_once(
    emails, enrolled, monitor, coordinator, django_capture_on_commit_callbacks, smtp_down
):

    patient = enrolled()
    with django_capture_on_commit_callbacks(execute=True):
        monitoring.query_raise(
            user=monitor, record=record_ref(patient), field="sex", question=QUESTION
        )
    pending = Notification.objects.filter(recipient=coordinator, sent_at__isnull=True)
    assert pending.count() == 1


@pytest.mark.django_db
def test_after_an_outage_the_pending_message_is_sent_once(
    smtp, emails, enrolled, monitor, coordinator, django_capture_on_commit_callbacks
):
    from django.test import override_settings

    patient = enrolled()
    with override_settings(EMAIL_PORT=1), django_capture_on_commit_callbacks(execute=True):
        monitoring.query_raise(
            user=monitor, record=record_ref(patient), field="sex", question=QUESTION
        )
    assert smtp.to(coordinator.email) == []
    notifications_send_digests()
    notifications_send_digests()
    assert len(smtp.to(coordinator.email)) == 1
    assert not Notification.objects.filter(sent_at__isnull=True, recipient=coordinator).exists()
