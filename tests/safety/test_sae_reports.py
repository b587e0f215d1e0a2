"""SAE expedited reporting: a serious AE's save sends the report, by real SMTP, with its PDF."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from edc.outbox.models import OutboxMessage
from edc.safety import services
from edc.safety.models import SaeReport
from tests.smtp import body, pdf_text

from .conftest import DESK


def sae_mails(smtp):
    return [m for m in smtp.messages if m["Subject"].strip().startswith("[SAE]")]


@pytest.mark.django_db
def test_a_serious_ae_sends_the_initial_report_with_its_cioms_pdf_to_the_desk_and_the_pi(
    smtp, desk, emails, dosed, save_ae, investigator, coordinator
):
    ae = save_ae(dosed)

    (report,) = SaeReport.objects.filter(adverse_event=ae)
    assert report.number == 0 and report.sent_at is not None
    (mail,) = sae_mails(smtp)
    rcpt = smtp.received[[m for _r, m in smtp.received].index(mail)][0]
    assert sorted(rcpt) == sorted([*DESK, investigator.email])  # the PI: the site's investigator
    assert coordinator.email not in rcpt
    subject = mail["Subject"]
    assert "Initial report" in subject and "Febrile neutropenia" in subject
    assert dosed.subject_id in subject
    text = body(mail)
    assert "https://edc.example.org" + reverse("safety:report", args=[report.pk]) in text
    assert "sign-in required" in text

    pdf, pages = pdf_text(mail)
    assert pages >= 1
    for expected in (
        dosed.subject_id,
        str(dosed.cohort),
        "Febrile neutropenia",
        "CTCAE grade",
        "Requires or prolongs hospitalisation",
        "Probable",  # causality to paclitaxel
        "Unlikely",  # causality to IMP321
        "145.6 mg",  # the last paclitaxel dose before onset
        "Recovering / resolving",
        "Narrative",
    ):
        assert expected in pdf, expected
    assert dosed.c1d1_date.strftime("%d %b %Y") in pdf  # dates as users read them


@pytest.mark.django_db
def test_no_free_text_typed_by_the_site_reaches_the_mail_or_the_pdf(
    smtp, desk, emails, dosed, save_ae
):
    save_ae(dosed, meddra_code="10005329", term_specify="Mrs Dupont's splenic rupture")
    (mail,) = sae_mails(smtp)
    pdf, _pages = pdf_text(mail)
    for leaked in ("Dupont", "Saint-Louis", dosed.screening_number):
        assert leaked not in body(mail) and leaked not in pdf and leaked not in mail["Subject"]


@pytest.mark.django_db
def test_a_change_of_grade_or_outcome_sends_a_numbered_follow_up_naming_what_changed(
    smtp, desk, emails, dosed, save_ae, update_ae
):
    ae = save_ae(dosed)
    smtp.clear()
    update_ae(ae, grade=4, outcome="recovered", stop_date=dosed.c1d1_date + dt.timedelta(days=9))

    reports = list(SaeReport.objects.filter(adverse_event=ae).order_by("number"))
    assert [r.number for r in reports] == [0, 1]
    assert reports[1].changed == ["CTCAE grade", "Outcome"]
    (mail,) = sae_mails(smtp)
    assert "Follow-up report 1" in mail["Subject"]
    assert "changed: CTCAE grade, Outcome" in body(mail)
    pdf, _pages = pdf_text(mail)
    assert "Follow-up report 1" in pdf and "Recovered / resolved" in pdf

    smtp.clear()
    update_ae(ae, comments="Discharged home")  # nothing the report carries changed
    update_ae(ae, relation_imp321="possible")
    assert SaeReport.objects.filter(adverse_event=ae).count() == 3
    assert SaeReport.objects.get(adverse_event=ae, number=2).changed == ["Causality to IMP321"]
    assert len(sae_mails(smtp)) == 1


@pytest.mark.django_db
def test_an_ae_that_becomes_serious_gets_its_initial_report_then(
    smtp, desk, emails, dosed, save_ae, update_ae
):
    ae = save_ae(
        dosed,
        serious=False,
        sae_criteria=[],
        sae_aware_at=None,
        sae_reported_at=None,
        grade=2,
        meddra_code="10029366",
    )
    assert not SaeReport.objects.exists() and not sae_mails(smtp)
    update_ae(
        ae,
        serious=True,
        grade=4,
        sae_criteria=["life_threatening"],
        sae_aware_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1),
        sae_reported_at=dt.datetime.now(dt.UTC),
    )
    (report,) = SaeReport.objects.all()
    assert report.number == 0 and report.content["criteria"] == ["Life-threatening"]
    assert len(sae_mails(smtp)) == 1


@pytest.mark.django_db
def test_a_second_delivery_of_the_work_makes_and_sends_nothing_more(
    smtp, desk, emails, dosed, save_ae
):
    ae = save_ae(dosed)
    services.report_adverse_event(ae.pk)
    services.report_adverse_event(ae.pk)
    assert SaeReport.objects.count() == 1
    assert len(sae_mails(smtp)) == 1


@pytest.mark.django_db
def test_a_mail_server_outage_leaves_the_report_pending_and_the_outbox_sends_it_later(
    desk, emails, dosed, investigator, django_capture_on_commit_callbacks, smtp_down
):
    from assessments import services as ae_services

    from .conftest import sae_values

    with django_capture_on_commit_callbacks(execute=True):
        ae = ae_services.adverse_event_create(user=investigator, patient=dosed, **sae_values(dosed))
    # The report was made (the save's work is not lost), but not sent; the outbox keeps the
    # work with its error and retries it.
    (report,) = SaeReport.objects.filter(adverse_event=ae)
    assert report.sent_at is None
    row = OutboxMessage.objects.get(task="edc.safety.report_adverse_event")
    assert row.delivered_at is None and "Error" in row.last_error


@pytest.mark.django_db
def test_the_outage_is_over_the_relay_sends_the_pending_report(
    smtp, desk, emails, dosed, investigator, django_capture_on_commit_callbacks
):
    """Broker or mail server back: the relay (or the escalation beat) sends it, once."""
    from django.test import override_settings

    from assessments import services as ae_services

    from .conftest import sae_values

    # Nothing listens on port 1.
    with override_settings(EMAIL_PORT=1), django_capture_on_commit_callbacks(execute=True):
        ae = ae_services.adverse_event_create(user=investigator, patient=dosed, **sae_values(dosed))
    assert SaeReport.objects.get(adverse_event=ae).sent_at is None
    assert sae_mails(smtp) == []
    # The row backs off after the failure; the escalation beat also sends what is pending.
    from edc.safety.tasks import escalate

    assert escalate() == {"sent": 1, "escalated": 0}
    assert escalate() == {"sent": 0, "escalated": 0}
    assert SaeReport.objects.get(adverse_event=ae).sent_at is not None
    assert len(sae_mails(smtp)) == 1


# --- The pages: acknowledgement, the AE's reports, the safety page ------------------------------
@pytest.mark.django_db
def test_the_safety_desk_acknowledges_through_the_link_and_the_site_cannot(
    smtp, desk, emails, dosed, save_ae, web, data_manager, investigator
):
    ae = save_ae(dosed)
    report = SaeReport.objects.get(adverse_event=ae)
    url = reverse("safety:report", args=[report.pk])
    client = web(investigator)
    page = client.get(url)
    assert page.status_code == 200 and b'data-testid="acknowledge"' not in page.content
    assert client.post(url).status_code == 403
    client.logout()

    client = web(data_manager)
    page = client.get(url)
    assert b'data-testid="acknowledge"' in page.content
    assert "within 24 hours" in page.content.decode()
    response = client.post(url)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.acknowledged_by == data_manager and report.acknowledged_at is not None
    page = client.get(url).content.decode()
    assert "Acknowledged" in page and 'data-testid="acknowledge"' not in page
    # Audited: the acknowledgement is a change of the report, with its reason.
    assert report.version == 3 and report.history.first().history_user == data_manager
    again = client.post(url)
    assert again.status_code == 200 and "already acknowledged" in again.content.decode()


@pytest.mark.django_db
def test_the_acknowledgement_link_asks_for_sign_in(smtp, desk, emails, dosed, save_ae, client):
    report = SaeReport.objects.get(adverse_event=save_ae(dosed))
    response = client.get(reverse("safety:report", args=[report.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.django_db
def test_the_ae_page_shows_the_report_history_and_the_24_hour_rule(
    smtp, desk, emails, dosed, save_ae, update_ae, web, investigator, monitor
):
    ae = save_ae(dosed)
    update_ae(ae, grade=4)
    page = web(investigator).get(reverse("assessments:ae_edit", args=[ae.pk])).content.decode()
    assert 'data-testid="sae-reports-on-ae"' in page
    assert "Initial report" in page and "Follow-up report 1" in page
    assert "within 24 hours" in page
    page = web(monitor).get(reverse("safety:adverse_event", args=[ae.pk])).content.decode()
    assert "Follow-up report 1" in page and "CTCAE grade" in page


@pytest.mark.django_db
def test_a_late_report_is_shown_late(smtp, desk, emails, dosed, save_ae, web, data_manager):
    now = dt.datetime.now(dt.UTC)
    save_ae(
        dosed,
        sae_aware_at=now - dt.timedelta(hours=50),
        sae_reported_at=now - dt.timedelta(hours=1),
    )
    page = web(data_manager).get(reverse("safety:list")).content.decode()
    assert "later than 24 hours" in page


@pytest.mark.django_db
def test_a_statistician_reads_the_report_without_addresses_or_names(
    smtp, desk, emails, dosed, save_ae, web, statistician
):
    report = SaeReport.objects.get(adverse_event=save_ae(dosed))
    page = web(statistician).get(reverse("safety:report", args=[report.pk])).content.decode()
    assert "Febrile neutropenia" in page and DESK[0] not in page


@pytest.mark.django_db
def test_another_sites_report_is_not_found(
    smtp, desk, emails, dosed, save_ae, web, other_investigator
):
    report = SaeReport.objects.get(adverse_event=save_ae(dosed))
    client = web(other_investigator)
    assert client.get(reverse("safety:report", args=[report.pk])).status_code == 404
    assert client.get(reverse("safety:report_pdf", args=[report.pk])).status_code == 404


@pytest.mark.django_db
def test_the_report_pdf_downloads_from_the_report_page(
    smtp, desk, emails, dosed, save_ae, web, monitor
):
    report = SaeReport.objects.get(adverse_event=save_ae(dosed))
    response = web(monitor).get(reverse("safety:report_pdf", args=[report.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


@pytest.mark.django_db
def test_the_safety_page_costs_the_same_queries_for_one_or_many_reports(
    smtp,
    desk,
    emails,
    enrolled,
    give_paclitaxel,
    save_ae,
    web,
    data_manager,
    django_assert_num_queries,
):
    first = enrolled(c1d1_days_ago=10)
    save_ae(first)
    client = web(data_manager)
    url = reverse("safety:list")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for days in (11, 12, 13):
        save_ae(enrolled(c1d1_days_ago=days))
    assert SaeReport.objects.count() == 4
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(url)
    assert page.content.decode().count("Initial report") == 4
