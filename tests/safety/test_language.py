"""SAE e-mails and their CIOMS-I PDF in each recipient's language; the PDF page in the language
of the user who opens it; the stored report in English whatever the language of the request.

These check which language is active while each part is rendered, so they hold before the
French and Dutch catalogues exist (issue 23).
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from edc.safety import pdf, services
from edc.safety.models import SaeReport


def speaks(user, language: str) -> None:
    user.staff_profile.language = language
    user.staff_profile.save(update_fields=["language"])


@pytest.fixture
def spy(monkeypatch):
    """The language active when each SAE e-mail body and PDF is rendered, in order."""
    seen = []
    real_body, real_pdf = services._body, pdf.report_pdf

    def body(report):
        seen.append(("body", translation.get_language()))
        return real_body(report)

    def report_pdf(report):
        seen.append(("pdf", translation.get_language()))
        return real_pdf(report)

    monkeypatch.setattr(services, "_body", body)
    monkeypatch.setattr(pdf, "report_pdf", report_pdf)
    return seen


@pytest.mark.django_db
def test_a_french_investigator_gets_the_sae_mail_and_pdf_in_french_the_desk_in_english(
    smtp, desk, emails, dosed, save_ae, investigator, spy
):
    speaks(investigator, "fr")
    save_ae(dosed)
    mails = [(rcpt, m) for rcpt, m in smtp.received if m["Subject"].strip().startswith("[SAE]")]
    assert [sorted(rcpt) for rcpt, _m in mails] == [sorted(desk), [investigator.email]]
    assert spy == [("body", "en"), ("pdf", "en"), ("body", "fr"), ("pdf", "fr")]
    report = SaeReport.objects.get()
    assert sorted(report.recipients) == sorted([*desk, investigator.email])  # one report, sent once


@pytest.mark.django_db
def test_the_escalation_goes_to_each_reader_in_their_language(
    smtp, desk, emails, dosed, save_ae, data_manager, monkeypatch
):
    speaks(data_manager, "nl")
    save_ae(dosed)
    seen = []
    real = services.escalation_message

    def message(overdue, hours, to):
        seen.append((translation.get_language(), sorted(to)))
        return real(overdue, hours, to)

    monkeypatch.setattr(services, "escalation_message", message)
    assert services.sae_reports_escalate(now=timezone.now() + dt.timedelta(hours=25)) == 1
    assert seen == [("en", sorted(desk)), ("nl", [data_manager.email])]


@pytest.mark.django_db
def test_the_pdf_page_is_drawn_in_the_language_of_the_user_who_opens_it(
    smtp, desk, emails, dosed, save_ae, monitor, web, spy
):
    save_ae(dosed)
    spy.clear()
    speaks(monitor, "nl")
    report = SaeReport.objects.get()
    response = web(monitor).get(reverse("safety:report_pdf", args=[report.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert spy == [("pdf", "nl")]


@pytest.mark.django_db
def test_a_report_is_stored_in_english_whatever_the_language_of_the_save(
    smtp, desk, emails, dosed, save_ae, monkeypatch
):
    seen = []
    real = services._report_content

    def content(ae, doses):
        seen.append(translation.get_language())
        return real(ae, doses)

    monkeypatch.setattr(services, "_report_content", content)
    with translation.override("fr"):
        save_ae(dosed)
    assert seen == ["en"]
    report = SaeReport.objects.get()
    assert report.content["narrative"].startswith("A patient of")
