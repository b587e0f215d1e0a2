"""A patient's PDF casebook: every form's values as of a moment, each record's audit trail,
queries and answers, signatures and locks, one bookmark per visit, page headers with the
trial, site, patient and "Page x of N"; the download is logged; another site's patient is a
404; a statistician cannot download it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services as assessment_services
from assessments.models import VitalSigns
from edc import protocol
from edc.archive.casebook import casebook_for
from edc.archive.constants import DownloadKind
from edc.archive.models import ArchiveDownload
from edc.archive.render import casebook_html, casebook_pdf
from edc.monitoring import services as monitoring_services
from edc.monitoring.records import record_ref

from .conftest import pdf_text


def _correct_weight(user, patient, weight: str, reason: str) -> VitalSigns:
    vitals = VitalSigns.objects.get(patient=patient)
    return assessment_services.vital_signs_update(
        user=user,
        vital_signs=vitals,
        changes={"weight_kg": Decimal(weight)},
        reason=reason,
        expected_version=vitals.version,
    )


@pytest.mark.django_db
def test_the_pdf_shows_values_audit_rows_headers_page_numbers_and_visit_bookmarks(
    trial, investigator
):
    patient = trial.treated
    _correct_weight(investigator, patient, "66.0", "Scale recalibrated")
    data = casebook_pdf(user=investigator, patient=patient)
    reader, text = pdf_text(data)
    pages = len(reader.pages)
    assert pages >= 3
    first = reader.pages[0].extract_text()
    assert protocol.TRIAL_ID in first and f"Site {patient.site.code}" in first
    assert f"Patient {patient}" in first and f"Page 1 of {pages}" in first
    assert f"Page {pages} of {pages}" in reader.pages[-1].extract_text()
    # Values as the screens show them, and the audit row of the correction (old → new, reason).
    assert "66.0" in text and "Weight (kg)" in text
    assert "64.5 → 66.0" in text and "Scale recalibrated" in text
    assert patient.c1d1_date.strftime("%d %b %Y") in text
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert "Registry, consent and patient forms" in titles
    assert any(t.startswith("Visit ") and "Paclitaxel" in t for t in titles)
    assert "Data queries" in titles and "Signatures" in titles and "Locks" in titles


@pytest.mark.django_db
def test_as_of_a_moment_shows_the_old_value_not_a_later_correction(trial, investigator):
    patient = trial.treated
    moment = timezone.now()
    _correct_weight(investigator, patient, "71.2", "Transcription error")
    _reader, text = pdf_text(casebook_pdf(user=investigator, patient=patient, as_of=moment))
    assert "64.5" in text
    assert "71.2" not in text and "Transcription error" not in text
    _reader, now_text = pdf_text(casebook_pdf(user=investigator, patient=patient))
    assert "71.2" in now_text and "Transcription error" in now_text


@pytest.mark.django_db
def test_queries_with_answers_signatures_with_meaning_and_locks_are_printed(
    trial, investigator, monitor, data_manager
):
    patient = trial.treated
    vitals = VitalSigns.objects.get(patient=patient)
    query = monitoring_services.query_raise(
        user=monitor, record=record_ref(vitals), field="weight_kg", question="Weight source?"
    )
    monitoring_services.query_answer(user=investigator, query=query, text="Clinic scale log")
    cb = casebook_for(user=investigator, patient=patient)
    html = casebook_html(cb, pdf=True)
    assert "Weight source?" in html and "Clinic scale log" in html
    assert cb.queries and cb.queries[0].field == "Weight (kg)"


@pytest.mark.django_db
def test_the_download_is_logged_and_scoped(trial, investigator, other_investigator, statistician):
    from django.test import Client

    patient = trial.treated
    url = reverse("archive:casebook-pdf", args=[patient.pk])
    client = Client()
    client.force_login(investigator)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    log = ArchiveDownload.objects.get()
    assert (log.user, log.kind, log.patient) == (investigator, DownloadKind.CASEBOOK, patient)
    assert len(log.sha256) == 64 and log.size == len(response.content)
    other = Client()
    other.force_login(other_investigator)
    assert other.get(url).status_code == 404
    stat = Client()
    stat.force_login(statistician)
    assert stat.get(url).status_code == 403
    yesterday = (timezone.localtime() - dt.timedelta(days=400)).strftime("%d %b %Y %H:%M")
    refused = client.get(url, {"as_of": yesterday})
    assert refused.status_code == 400 and b"not registered yet" in refused.content
    assert client.get(url, {"as_of": "tomorrow"}).status_code == 400


@pytest.mark.django_db
def test_a_casebook_costs_the_same_number_of_queries_whatever_its_number_of_records(
    trial, investigator
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.assessments.conftest import ae_values

    patient = trial.treated

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            casebook_for(user=investigator, patient=patient)
        return len(captured)

    queries()  # caches filled (content types, the user's sites)
    before = queries()
    for days in (20, 30, 40):
        start = patient.c1d1_date + dt.timedelta(days=days)
        assessment_services.adverse_event_create(
            user=investigator,
            patient=patient,
            **ae_values(patient, start_date=start, stop_date=start + dt.timedelta(days=2)),
        )
    _correct_weight(investigator, patient, "65.0", "Re-weighed")
    assert queries() == before
